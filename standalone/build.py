"""Build the standalone executable: `make standalone` runs this with the project venv's python.

PyInstaller (one-dir, standalone/eks-tf-auth.spec) collects eks_tf_auth with the interpreter's
library and the packages into dist/standalone/eks-tf-auth/_internal/: every module as a .pyc file,
the extension modules and shared libraries, the data. Then this script packs the standard
library's cold modules into one zip (bundle.zipped), compiles the project's launcher
(launcher.c) into dist/standalone/eks-tf-auth/eks-tf-auth in place of PyInstaller's bootloader,
and gives each shared object a RUNPATH inside _internal (patchelf), so that nothing needs
LD_LIBRARY_PATH. The executable and `_internal/` travel together.

The build is reproducible: the same checkout and venv give the same files (SOURCE_DATE_EPOCH is
the commit's time and the zip's timestamps, PYTHONHASHSEED is fixed, gcc writes no paths or
times). Beside the folder goes `eks-tf-auth.provenance.json`: the version, the commit, the
tools and each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import py_compile
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from importlib import metadata
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (make standalone): sys.path[0] is standalone/
    sys.path.insert(0, str(ROOT))
from standalone import bundle, launcher  # noqa: E402

SPEC = ROOT / "standalone" / "eks-tf-auth.spec"
LAUNCHER = ROOT / "standalone" / "launcher.c"
LAUNCHER_PY = ROOT / "standalone" / "launcher.py"
DIST = ROOT / "dist" / "standalone"
WORK = ROOT / "build" / "standalone"
NAME = "eks-tf-auth"
EXECUTABLE = DIST / NAME / NAME
PROVENANCE = DIST / f"{NAME}.provenance.json"
FALLBACK_EPOCH = "1700000000"  # a checkout without git history (a source tarball)
# What the bundle is made of, for source_digest: a build whose digest differs is stale.
SOURCES = ("eks_tf_auth", "standalone")
SOURCE_SUFFIXES = (".py", ".j2", ".spec", ".typed", ".c")


def source_digest(root: Path = ROOT) -> str:
    """SHA-256 over the package's and the build's files (names and contents), which the
    provenance records; tests rebuild when the tree no longer matches it."""
    digest = hashlib.sha256()
    for top in SOURCES:
        for path in sorted((root / top).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def git(*args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def build_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SOURCE_DATE_EPOCH"] = git("log", "-1", "--format=%ct") or FALLBACK_EPOCH
    env["PYTHONHASHSEED"] = "0"
    return env


def warm_hcl2(env: dict[str, str]) -> None:
    """Parse once, so that lark writes python-hcl2's parser cache, which the bundle ships."""
    subprocess.run(
        [sys.executable, "-c", "import hcl2.api; hcl2.api.parses_to_tree('a = 1\\n')"],
        env=env,
        check=True,
        timeout=300,
    )


def pack_modules(internal: Path, epoch: int) -> list[str]:
    """Move the cold .pyc files (bundle.zipped) into launcher.LIBRARY_ZIP, deflated, in name order,
    every entry dated `epoch`, and their top-level names into launcher.LIBRARY_NAMES; the
    folders they leave empty go. The names."""
    files = [p.relative_to(internal).as_posix() for p in internal.rglob("*") if p.is_file()]
    moved = bundle.zipped(files)
    stamp = time.gmtime(max(epoch, 315532800))[:6]  # a zip cannot hold a date before 1980
    # zipimport finds a namespace package (ruamel) only by its directory's own entry
    folders = sorted({f"{p}/" for name in moved for p in PurePosixPath(name).parents if p.name})
    with zipfile.ZipFile(internal / launcher.LIBRARY_ZIP, "w") as archive:
        for name in sorted([*folders, *moved]):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o40755 if name.endswith("/") else 0o644) << 16
            if name.endswith("/"):
                archive.writestr(info, b"")
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (internal / name).read_bytes(), compresslevel=9)
            (internal / name).unlink()
    for folder in sorted(folders, key=len, reverse=True):
        if not any((internal / folder).iterdir()):
            (internal / folder).rmdir()
    names = sorted({name.split("/")[0].removesuffix(".pyc") for name in moved})
    (internal / launcher.LIBRARY_NAMES).write_text("".join(f"{n}\n" for n in names))
    return names


def compile_python_launcher(internal: Path) -> None:
    """launcher.py as _internal/launcher.pyc (hash-based, so no time goes into it)."""
    py_compile.compile(
        str(LAUNCHER_PY),
        cfile=str(internal / "launcher.pyc"),
        dfile="launcher.py",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def compile_launcher(executable: Path) -> None:
    """launcher.c, linked against the bundled libpython, which the dynamic loader finds through
    the RUNPATH $ORIGIN/_internal; no path of this machine and no time goes into the file."""
    include = sysconfig.get_paths()["include"]
    libdir = sysconfig.get_config_var("LIBDIR")
    library = sysconfig.get_config_var("LDLIBRARY")  # libpython3.11.so
    if not library.endswith(".so"):
        raise SystemExit(
            f"build: the standalone executable needs a shared libpython, not {library}"
        )
    subprocess.run(
        [
            "gcc",
            "-std=c11",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-ffile-prefix-map={ROOT}=.",
            f"-ffile-prefix-map={include}=python",
            f"-I{include}",
            "-o",
            str(executable),
            str(LAUNCHER.relative_to(ROOT)),
            f"-L{libdir}",
            f"-l:{library}",
            "-Wl,--enable-new-dtags,-rpath,$ORIGIN/_internal",
            "-s",
        ],
        cwd=ROOT,
        check=True,
    )


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def set_runpaths(internal: Path) -> list[str]:
    """Each shared object in _internal that needs a library the bundle holds (the extension
    modules' libssl, libcrypto, libz...; libssl's libcrypto) gets a RUNPATH to _internal,
    relative to itself ($ORIGIN), so that the bundle's copy loads wherever the folder is; what
    was patched. The others stay as they are (patchelf grows a file it patches)."""
    bundled = {p.name for p in internal.iterdir() if p.is_file() and ".so" in p.name}
    patched = []
    for path in sorted(internal.rglob("*")):
        if not path.is_file() or path.is_symlink() or not is_elf(path):
            continue
        needed = subprocess.run(
            ["patchelf", "--print-needed", str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
        if bundled.intersection(needed):
            up = os.path.relpath(internal, path.parent)
            runpath = "$ORIGIN" if up == "." else f"$ORIGIN/{up}"
            subprocess.run(["patchelf", "--set-rpath", runpath, str(path)], check=True)
            patched.append(str(path.relative_to(internal)))
    return patched


def tool_version(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    return proc.stdout.splitlines()[0].strip()


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def size_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    started = time.monotonic()
    sources = source_digest()
    env = build_env()
    warm_hcl2(env)
    shutil.rmtree(DIST / NAME, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(WORK),
            str(SPEC),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    folder = DIST / NAME
    executable = folder / NAME
    internal = folder / "_internal"
    pack_modules(internal, int(env["SOURCE_DATE_EPOCH"]))
    compile_python_launcher(internal)
    executable.unlink()  # PyInstaller's bootloader
    compile_launcher(executable)
    set_runpaths(internal)
    version = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    from eks_tf_auth import __version__

    if not version.endswith(f"version {__version__}"):
        print(f"build: {executable} --version says {version!r}, not {__version__}", file=sys.stderr)
        return 1
    files = digests(folder)
    elapsed = time.monotonic() - started
    provenance = {
        "name": NAME,
        "version": __version__,
        "commit": git("rev-parse", "HEAD"),
        "sources": sources,
        "source_date_epoch": int(env["SOURCE_DATE_EPOCH"]),
        "python": platform.python_version(),
        "platform": f"{platform.system().lower()}-{platform.machine()}",
        "libc": "-".join(platform.libc_ver()),
        "tools": {
            **{d: metadata.version(d) for d in ("pyinstaller", "pyinstaller-hooks-contrib")},
            "gcc": tool_version(["gcc", "--version"]),
            "patchelf": tool_version(["patchelf", "--version"]),
        },
        "build_seconds": round(elapsed, 1),  # not part of what is reproduced
        "files": files,
    }
    PROVENANCE.write_text(json.dumps(provenance, indent=2) + "\n")
    print(
        f"built {executable.relative_to(ROOT)} ({version}): "
        f"{size_bytes(folder) / 1e6:.1f} MB in {len(files)} files, {elapsed:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
