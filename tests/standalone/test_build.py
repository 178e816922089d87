"""The standalone build's own pieces without PyInstaller: which modules go into the zip
(bundle.zipped), the zip itself (build.pack_modules: reproducible, namespace packages included)
and the finder that reads it only when one of its modules is imported (launcher.LibraryFinder)."""

from __future__ import annotations

import importlib
import py_compile
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from standalone import build, bundle, launcher

# top-level names no installed distribution uses, so that the imports below find only the zip
COLD = "eks_standalone_cold"
NAMESPACE = "eks_standalone_ns"
DATA = "eks_standalone_data"


def test_zipped_keeps_hot_modules_and_packages_with_other_files_out() -> None:
    files = [
        "eks_tf_auth/entry.pyc",  # hot
        "click/core.pyc",  # hot
        "json/decoder.pyc",  # hot, standard library
        "email/parser.pyc",  # cold, standard library
        "pickle.pyc",
        "jinja2/__init__.pyc",
        "jinja2/ext.pyc",
        "ruamel/yaml/main.pyc",  # a namespace package
        "botocore/client.pyc",  # with data beside it
        "botocore/data/endpoints.json",
        "regex/__init__.pyc",  # with an extension module
        "regex/_regex.cpython-311-x86_64-linux-gnu.so",
        "libssl.so.3",
        "python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
    ]
    assert bundle.zipped(files) == [
        "email/parser.pyc",
        "jinja2/__init__.pyc",
        "jinja2/ext.pyc",
        "pickle.pyc",
        "ruamel/yaml/main.pyc",
    ]


def _write_module(internal: Path, name: str, source: str) -> None:
    """A sourceless .pyc, as PyInstaller collects them."""
    source_path = internal.parent / "src" / name.replace(".pyc", ".py")
    source_path.parent.mkdir(parents=True, exist_ok=True)
    source_path.write_text(source)
    py_compile.compile(
        str(source_path),
        cfile=str(internal / name),
        dfile=name,
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def _internal(root: Path) -> Path:
    internal = root / "_internal"
    _write_module(internal, f"{COLD}/__init__.pyc", "VALUE = 'package'\n")
    _write_module(internal, f"{COLD}/sub.pyc", "VALUE = 'submodule'\n")
    _write_module(internal, f"{NAMESPACE}/inner/mod.pyc", "VALUE = 'namespace'\n")
    _write_module(internal, f"{DATA}/__init__.pyc", "VALUE = 'data'\n")
    (internal / DATA / "table.json").write_text("{}\n")
    return internal


def test_pack_modules_moves_the_cold_modules_into_a_reproducible_zip(tmp_path: Path) -> None:
    first, second = _internal(tmp_path / "a"), _internal(tmp_path / "b")
    names = build.pack_modules(first, 1700000000)
    assert names == [COLD, NAMESPACE]
    assert build.pack_modules(second, 1700000000) == names
    zips = [(d / launcher.LIBRARY_ZIP).read_bytes() for d in (first, second)]
    assert zips[0] == zips[1]
    assert (first / launcher.LIBRARY_NAMES).read_text() == f"{COLD}\n{NAMESPACE}\n"
    # what moved left no folder behind; the package with data stayed
    assert sorted(p.name for p in first.iterdir()) == sorted(
        [DATA, launcher.LIBRARY_ZIP, launcher.LIBRARY_NAMES]
    )


@pytest.fixture
def finder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[launcher.LibraryFinder]:
    internal = _internal(tmp_path)
    build.pack_modules(internal, 1700000000)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    yield launcher.install(str(internal))
    for name in [n for n in sys.modules if n.split(".")[0] in (COLD, NAMESPACE)]:
        del sys.modules[name]


def test_the_finder_imports_packages_submodules_and_namespaces_from_the_zip(
    finder: launcher.LibraryFinder,
) -> None:
    assert sys.meta_path[-1] is finder
    assert importlib.import_module(f"{COLD}.sub").VALUE == "submodule"
    assert importlib.import_module(COLD).VALUE == "package"
    assert importlib.import_module(f"{NAMESPACE}.inner.mod").VALUE == "namespace"
    assert importlib.import_module(COLD).__file__ == f"{finder.archive}/{COLD}/__init__.pyc"


def _opened(finder: launcher.LibraryFinder) -> bool:
    return finder._importer is not None


def test_the_finder_reads_the_zip_only_for_its_own_names(finder: launcher.LibraryFinder) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("eks_standalone_absent")
    assert finder.find_spec(COLD, path=["elsewhere"]) is None  # a submodule's search
    assert not _opened(finder)  # nothing read yet
    importlib.import_module(COLD)
    assert _opened(finder)
    finder.invalidate_caches()
    assert importlib.import_module(COLD).VALUE == "package"
