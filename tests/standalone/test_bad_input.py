"""The bad-input catalogue (tests/test_bad_input.py's rows) through the standalone executable:
each case ends as it does with the Python package, with the same exit code and the same error
lines (the case's directory aside), and passes the catalogue's own checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.aws import AwsEnv
from tests.support.tools import BIN_DIR
from tests.test_bad_input import CASES, check_outcome, run_case

pytestmark = pytest.mark.real


def shown(stream: bytes, tmp: Path) -> list[str]:
    """The error and hint lines of `stream` (not a debug traceback, whose file names differ),
    with the case's directory written as {tmp}."""
    text = stream.decode("utf-8", "replace").replace(str(tmp), "{tmp}")
    return [line for line in text.splitlines() if line.startswith(("eks-tf-auth: ", "hint: "))]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_ends_as_with_the_package(
    name: str, executable: Path, aws_env: AwsEnv, tmp_path: Path
) -> None:
    case = CASES[name]
    python_dir, frozen_dir = tmp_path / "package", tmp_path / "standalone"
    python_dir.mkdir()
    frozen_dir.mkdir()
    package, _ = run_case(case, [str(BIN_DIR / "eks-tf-auth")], aws_env, python_dir)
    # a token cache of its own: the package's run may have stored a token
    own_cache = {**aws_env.env, "EKS_TF_AUTH_CACHE_DIR": str(frozen_dir / ".token-cache")}
    frozen, elapsed = run_case(case, [str(executable)], replace(aws_env, env=own_cache), frozen_dir)
    check_outcome(case, frozen, elapsed)
    assert frozen.returncode == package.returncode
    assert shown(frozen.stderr, frozen_dir) == shown(package.stderr, python_dir)
    if case.report:
        assert frozen.stdout.replace(bytes(frozen_dir), b"") == package.stdout.replace(
            bytes(python_dir), b""
        )
