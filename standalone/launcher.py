"""The standalone executable's Python side: launcher.c starts the interpreter and runs
`sys.exit(launcher.main())` from _internal/launcher.pyc (build.py compiles this file there).

The modules no hot path imports are packed into _internal/library.zip (bundle.zipped). On
sys.path, that zip would be opened, and its directory of some 500 entries read (about 2.5 ms),
by the first import anywhere that finds nothing: the standard library has several such tries
(copy's Jython import, for one). So the zip is not on sys.path; LibraryFinder, last on
sys.meta_path, answers for the top-level names the zip holds (library.names beside it) and reads
the zip the first time one of them is imported. Their submodules are then found by the path
finder through the package's __path__ inside the zip, as zipimport's path hook provides.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not from typing: a cache hit stays free of it
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from zipimport import zipimporter

LIBRARY_ZIP = "library.zip"
LIBRARY_NAMES = "library.names"


class LibraryFinder:
    """A meta path finder for the top-level modules and packages in one zip."""

    def __init__(self, archive: str, names: frozenset[str]) -> None:
        self.archive = archive
        self.names = names
        self._importer: zipimporter | None = None

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if path is not None or fullname not in self.names:
            return None
        if self._importer is None:
            import zipimport

            self._importer = zipimport.zipimporter(self.archive)
        return self._importer.find_spec(fullname, target)

    def invalidate_caches(self) -> None:
        """Nothing to forget: the zip does not change while the executable runs."""


def install(internal: str) -> LibraryFinder:
    """A LibraryFinder for internal's zip, appended to sys.meta_path."""
    with open(f"{internal}/{LIBRARY_NAMES}", encoding="utf-8") as f:
        names = frozenset(f.read().split())
    finder = LibraryFinder(f"{internal}/{LIBRARY_ZIP}", names)
    sys.meta_path.append(finder)
    return finder


def main() -> int:
    install(__file__.rpartition("/")[0])
    from eks_tf_auth.entry import main as entry

    return entry()
