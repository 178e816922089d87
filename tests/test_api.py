"""The public library API: `from eks_tf_auth import get_token`, typed and light, as from Lambda."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

import eks_tf_auth
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.tools import BIN_DIR
from tests.support.verifier import verify_token

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = """\
from __future__ import annotations

from datetime import datetime

from eks_tf_auth import Error, Token, get_token


def handler(event: dict[str, str], context: object) -> dict[str, str]:
    try:
        token: Token = get_token(event["cluster"], region=event.get("region"))
    except Error as e:
        return {"error": e.message}
    expires: datetime = token.expiration
    return {"token": token.value, "expires": expires.isoformat()}
"""


def test_all_lists_what_the_package_offers() -> None:
    for name in eks_tf_auth.__all__:
        assert getattr(eks_tf_auth, name) is not None
    assert set(eks_tf_auth.__all__) <= set(dir(eks_tf_auth))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = eks_tf_auth.nope


def test_get_token_in_a_plain_interpreter_is_light_and_verifies(aws_env: AwsEnv) -> None:
    probe = (
        "import json, sys\n"
        "from eks_tf_auth import get_token\n"
        "token = get_token('prod', region='eu-west-1')\n"
        "print(json.dumps({'value': token.value, 'expiration': token.expiration.isoformat(),"
        " 'modules': sorted(sys.modules)}))\n"
    )
    env = {k: v for k, v in aws_env.env.items() if not k.startswith("COVERAGE_")}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    doc = json.loads(out)
    verified = verify_token(
        doc["value"],
        cluster_id="prod",
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
    )
    assert verified.region == "eu-west-1" and verified.access_key_id == TEST_ACCESS_KEY
    expiration = datetime.fromisoformat(doc["expiration"])
    assert expiration.utcoffset() is not None
    loaded = {m.split(".")[0] for m in doc["modules"]}
    assert not loaded & {"click", "jinja2", "hcl2", "lark", "botocore", "yaml"}


def test_get_token_errors_are_the_packages_own(aws_env: AwsEnv) -> None:
    with pytest.raises(eks_tf_auth.InputError, match="invalid cluster name"):
        eks_tf_auth.get_token("not a name", region="eu-west-1")


@pytest.mark.real
def test_a_strictly_typed_consumer_passes_mypy(tmp_path: Path) -> None:
    consumer = tmp_path / "handler.py"
    consumer.write_text(CONSUMER)
    proc = subprocess.run(
        [str(BIN_DIR / "mypy"), "--strict", "--no-incremental", str(consumer)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.real
def test_the_wheel_ships_the_templates_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {
        f"eks_tf_auth/templates/{p.name}" for p in (ROOT / "eks_tf_auth/templates").glob("*.j2")
    }
    assert templates <= names and len(templates) >= 9
    assert "eks_tf_auth/py.typed" in names
