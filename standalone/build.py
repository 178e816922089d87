"""Build the standalone executable: `make standalone` runs this with the project venv's python.

PyInstaller (one-dir, standalone/eks-tf-auth.spec) freezes eks_tf_auth with the interpreter and
the libraries into dist/standalone/eks-tf-auth/: the executable `eks-tf-auth` and its
`_internal/` folder, which travel together. The build is reproducible: the same checkout and venv
give the same files (SOURCE_DATE_EPOCH is the commit's time, PYTHONHASHSEED is fixed). Beside the
folder goes `eks-tf-auth.provenance.json`: the version, the commit, the tools and each file's
SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "standalone" / "eks-tf-auth.spec"
DIST = ROOT / "dist" / "standalone"
WORK = ROOT / "build" / "standalone"
NAME = "eks-tf-auth"
EXECUTABLE = DIST / NAME / NAME
PROVENANCE = DIST / f"{NAME}.provenance.json"
FALLBACK_EPOCH = "1700000000"  # a checkout without git history (a source tarball)
# What the bundle is made of, for source_digest: a build whose digest differs is stale.
SOURCES = ("eks_tf_auth", "standalone")
SOURCE_SUFFIXES = (".py", ".j2", ".spec", ".typed")


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
        "tools": {d: metadata.version(d) for d in ("pyinstaller", "pyinstaller-hooks-contrib")},
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
