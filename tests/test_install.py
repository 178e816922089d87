"""Getting started works as written: the README's install lines, pre-commit snippet and module
source name this repository at the pinned commit (`render.release`), that commit has what they
need, and each line works offline — pip installs from the wheelhouse `make venv` downloads
(`.venv/wheelhouse`), and the repository URL is pointed at this clone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

import eks_tf_auth
from eks_tf_auth.render import release
from tests.support.tools import BIN_DIR, clean_env, require_tool

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LEGACY = ROOT / "examples" / "legacy-token"
# What the pinned commit must hold for the lines that name it to work.
NEEDED_AT_REF = (
    "pyproject.toml",
    "eks_tf_auth/commands/lint.py",
    "eks_tf_auth/lint/plans.py",  # `lint "$PLANFILE"` in the Atlantis plan stage
    ".pre-commit-hooks.yaml",
    f"{release.MODULE_PATH}/main.tf",
    f"{release.MODULE_PATH}/outputs.tf",
)


def section(title: str) -> str:
    return README.read_text().split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_install_section_installs_from_this_repository() -> None:
    text = section("## Install")
    pip, standalone = re.findall(r"```sh\n(.*?)```", text, re.S)  # with Python, and without
    assert standalone.startswith("make standalone")
    block = pip
    commands = [line for line in block.splitlines() if not line.startswith("#")]
    assert commands == [
        f"pipx install {release.PIP_REQUIREMENT}",
        f"pip install {release.PIP_REQUIREMENT}",
        f"git clone {release.REPOSITORY} && cd eks-tf-auth && pip install .",
        "eks-tf-auth --version",
    ]
    # The PyPI line is kept, for when it is published, outside the commands to run today.
    assert "Once it is published, `pipx install eks-tf-auth` or `pip install eks-tf-auth`" in text
    elsewhere = README.read_text().replace(text, "")
    assert not re.search(r"pip(x)? install eks-tf-auth\b", elsewhere)


def test_the_readme_snippets_pin_the_same_commit() -> None:
    lint = section("## Lint")
    [snippet] = re.findall(r"As a pre-commit hook[^\n]*:\n\n```yaml\n(.*?)```", lint, re.S)
    [repo] = yaml.safe_load(snippet)["repos"]
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert repo == {"repo": release.REPOSITORY, "rev": release.REF, "hooks": [{"id": hook["id"]}]}
    render = section("### render: provider blocks, kubeconfigs, Atlantis")
    assert f'  source = "{release.MODULE_SOURCE}"\n' in render
    assert "--enable-policy-checks" in render


def git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("git"), *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.real
def test_the_pinned_commit_is_in_this_history_and_has_what_the_pins_need() -> None:
    ancestor = git("merge-base", "--is-ancestor", release.REF, "HEAD")
    assert ancestor.returncode == 0, (
        f"{release.REF} is not an ancestor of HEAD in this clone (a shallow clone?)"
        + ancestor.stderr
    )
    for path in NEEDED_AT_REF:
        assert git("cat-file", "-e", f"{release.REF}:{path}").returncode == 0, path


def wheelhouse() -> Path:
    found = BIN_DIR.parent / "wheelhouse"
    if not any(found.glob("botocore-*.whl")):
        pytest.fail(f"{found} has no wheels: run 'make venv' (it downloads them)")
    return found


def fresh_venv(path: Path) -> Path:
    """A new virtual environment (with pip) of this interpreter; its bin directory."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin"


def pip_install(bin_dir: Path, requirement: str, *, home: Path, cwd: Path | None = None) -> None:
    """pip install with no index: the dependencies (and the build's setuptools) come from the
    wheelhouse."""
    proc = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", requirement],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=clean_env(
            os.environ,
            HOME=str(home),
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(wheelhouse()),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_NO_CACHE_DIR="1",
        ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def run(bin_dir: Path, *args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """The installed console script, with only its own venv on PATH."""
    return subprocess.run(
        [str(bin_dir / "eks-tf-auth"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(os.environ, HOME=str(home), PATH=f"{bin_dir}:/usr/bin:/bin"),
    )


@pytest.mark.real
def test_install_from_a_checkout_into_a_fresh_venv(tmp_path: Path) -> None:
    """`pip install .` in a checkout (a copy of this one: the build writes into the tree)."""
    checkout = tmp_path / "eks-tf-auth"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(
        ROOT / "eks_tf_auth",
        checkout / "eks_tf_auth",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    bin_dir = fresh_venv(tmp_path / "venv")
    pip_install(bin_dir, ".", home=tmp_path, cwd=checkout)
    version = run(bin_dir, "--version", cwd=tmp_path, home=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"eks-tf-auth, version {eks_tf_auth.__version__}\n"
    rendered = run(
        bin_dir, "render", "provider", "--cluster-name", "prod", cwd=tmp_path, home=tmp_path
    )
    assert rendered.returncode == 0, rendered.stderr
    assert f'source = "{release.MODULE_SOURCE}"' in rendered.stdout
    assert 'source  = "alekc/kubectl"' in rendered.stdout
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import eks_tf_auth; print(eks_tf_auth.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(tmp_path / "venv"))  # installed, not this checkout


@pytest.mark.real
def test_install_the_pinned_commit_with_pip_and_lint_a_saved_plan(tmp_path: Path) -> None:
    """The README's `pip install git+URL@REF` line (also the Atlantis Dockerfile's), with the
    URL pointed at this clone; the installed command then does the Atlantis plan-stage job."""
    bin_dir = fresh_venv(tmp_path / "venv")
    pip_install(bin_dir, f"git+file://{ROOT}@{release.REF}", home=tmp_path)
    version = run(bin_dir, "--version", cwd=tmp_path, home=tmp_path)
    assert version.returncode == 0, version.stderr
    plan = tmp_path / "default.tfplan"
    with zipfile.ZipFile(plan, "w") as archive:
        for tf in sorted(LEGACY.glob("*.tf")):
            archive.writestr(f"tfconfig/m-/{tf.name}", tf.read_text())
    linted = run(bin_dir, "lint", str(plan), cwd=tmp_path, home=tmp_path)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert "ETA001" in linted.stdout


@pytest.mark.real
def test_the_readme_pre_commit_snippet_runs_the_pinned_hook(tmp_path: Path) -> None:
    """The README's .pre-commit-config.yaml as written, the repository pointed at this clone:
    pre-commit checks out the pinned commit, builds the hook offline and fails the legacy stack."""
    lint = section("## Lint")
    [snippet] = re.findall(r"As a pre-commit hook[^\n]*:\n\n```yaml\n(.*?)```", lint, re.S)
    repo = tmp_path / "infra"
    shutil.copytree(LEGACY, repo)
    (repo / ".pre-commit-config.yaml").write_text(snippet.replace(release.REPOSITORY, str(ROOT)))
    for args in (("init", "-q"), ("add", "."), ("commit", "-qm", "legacy token")):
        proc = git("-c", "user.name=t", "-c", "user.email=t@example.invalid", *args, cwd=repo)
        assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [require_tool("pre-commit"), "run", "--all-files", "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=270,
        check=False,
        env=clean_env(
            os.environ,
            PATH=f"{BIN_DIR}:/usr/bin:/bin",
            HOME=str(tmp_path),
            PRE_COMMIT_HOME=str(tmp_path / "pre-commit"),
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=str(wheelhouse()),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        ),
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "main.tf:20:3: ETA001" in proc.stdout
