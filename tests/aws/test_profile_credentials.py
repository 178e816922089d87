"""The fast path for static keys in a profile (`profile_credentials`, no botocore import) against
botocore's own credential chain, over a corpus of config and credentials files and environments:
wherever the fast path answers, botocore gives exactly the same keys; everywhere else it hands
over (None) and botocore decides."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import botocore.session
import pytest

from eks_tf_auth.aws.credentials import profile_credentials

K1, S1 = "AKIAAAAAAAAAAAAAAAA1", "secret/1+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
K2, S2 = "AKIABBBBBBBBBBBBBBB2", "secret/2+bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
K3, S3 = "AKIACCCCCCCCCCCCCCC3", "secret/3+cccccccccccccccccccccccccccccccc"
ROLE = "arn:aws:iam::123456789012:role/r"


def keys(k: str, s: str, token: str | None = None, *, prefix: str = "aws") -> str:
    text = f"{prefix}_access_key_id = {k}\n{prefix}_secret_access_key = {s}\n"
    return text + (f"aws_session_token = {token}\n" if token else "")


@dataclass(frozen=True)
class Scenario:
    config: str | None = None
    credentials: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    flag: str | None = None
    answers: bool | None = None  # True: the fast path must answer; False: must hand over


SCENARIOS: dict[str, Scenario] = {
    # --- the fast path answers -------------------------------------------------------------
    "default-in-credentials": Scenario(credentials=f"[default]\n{keys(K1, S1)}", answers=True),
    "default-with-session-token": Scenario(
        credentials=f"[default]\n{keys(K1, S1, 'tok')}", answers=True
    ),
    "default-with-security-token": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}aws_security_token = old\n", answers=True
    ),
    "both-tokens-security-wins": Scenario(
        credentials=f"[default]\n{keys(K1, S1, 'new')}aws_security_token = old\n", answers=True
    ),
    "named-by-flag": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}[dev]\n{keys(K2, S2)}", flag="dev", answers=True
    ),
    "named-by-AWS_PROFILE": Scenario(
        credentials=f"[dev]\n{keys(K2, S2)}", env={"AWS_PROFILE": "dev"}, answers=True
    ),
    "AWS_DEFAULT_PROFILE-over-AWS_PROFILE": Scenario(
        credentials=f"[a]\n{keys(K1, S1)}[b]\n{keys(K2, S2)}",
        env={"AWS_DEFAULT_PROFILE": "a", "AWS_PROFILE": "b"},
        answers=True,
    ),
    "flag-over-env-profiles": Scenario(
        credentials=f"[a]\n{keys(K1, S1)}[b]\n{keys(K2, S2)}",
        env={"AWS_PROFILE": "a"},
        flag="b",
        answers=True,
    ),
    "keys-in-config-default": Scenario(config=f"[default]\n{keys(K1, S1)}", answers=True),
    "keys-in-config-profile": Scenario(
        config=f"[profile dev]\n{keys(K2, S2)}", flag="dev", answers=True
    ),
    "config-profile-default-spelling": Scenario(
        config=f"[profile default]\n{keys(K1, S1)}", answers=True
    ),
    "credentials-file-wins-over-config": Scenario(
        config=f"[profile dev]\n{keys(K1, S1)}",
        credentials=f"[dev]\n{keys(K2, S2)}",
        flag="dev",
        answers=True,
    ),
    "config-region-and-output-are-fine": Scenario(
        config="[profile dev]\nregion = eu-west-1\noutput = json\n",
        credentials=f"[dev]\n{keys(K2, S2)}",
        flag="dev",
        answers=True,
    ),
    "uppercase-keys": Scenario(
        credentials=f"[default]\nAWS_ACCESS_KEY_ID = {K1}\nAWS_SECRET_ACCESS_KEY = {S1}\n",
        answers=True,
    ),
    "no-spaces-around-equals": Scenario(
        credentials=f"[default]\naws_access_key_id={K1}\naws_secret_access_key={S1}\n",
        answers=True,
    ),
    "colon-separator": Scenario(
        credentials=f"[default]\naws_access_key_id: {K1}\naws_secret_access_key: {S1}\n",
        answers=True,
    ),
    "comments-and-blank-lines": Scenario(
        credentials=f"# mine\n\n[default]\n; keys\n{keys(K1, S1)}\n# end\n", answers=True
    ),
    "trailing-whitespace": Scenario(
        credentials=f"[default]\naws_access_key_id = {K1}   \naws_secret_access_key = {S1}\t\n",
        answers=True,
    ),
    "inline-semicolon-kept-in-value": Scenario(
        credentials=f"[default]\naws_access_key_id = {K1}\naws_secret_access_key = {S1} ; x\n",
        answers=True,
    ),
    "other-profiles-odd": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}[other]\ncredential_process = x\n", answers=True
    ),
    "other-profile-with-role": Scenario(
        config=f"[profile ops]\nrole_arn = {ROLE}\nsource_profile = default\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=True,
    ),
    "services-section-present": Scenario(
        config="[default]\nservices = local\n[services local]\nsts =\n  endpoint_url = http://x\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,  # a nested value: botocore's parser decides
    ),
    "env-keys-dropped-by-flag": Scenario(
        credentials=f"[dev]\n{keys(K2, S2)}",
        env={"AWS_ACCESS_KEY_ID": K1, "AWS_SECRET_ACCESS_KEY": S1},
        flag="dev",
        answers=True,  # an explicit profile drops botocore's environment provider
    ),
    "web-identity-env-dropped-by-flag": Scenario(
        credentials=f"[dev]\n{keys(K2, S2)}",
        env={"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": "/nope"},
        flag="dev",
        answers=True,
    ),
    "config-default-beside-the-named-profile": Scenario(
        config=f"[default]\n{keys(K1, S1)}[profile dev]\n{keys(K2, S2)}", flag="dev", answers=True
    ),
    "credentials-in-config-profile-name-with-dots": Scenario(
        config=f"[profile team.dev@corp]\n{keys(K3, S3)}", flag="team.dev@corp", answers=True
    ),
    "container-uri-comes-after-files": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}",
        env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"},
        answers=True,
    ),
    # --- the fast path hands over --------------------------------------------------------
    "env-keys": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}",
        env={"AWS_ACCESS_KEY_ID": K2, "AWS_SECRET_ACCESS_KEY": S2},
        answers=False,
    ),
    "env-key-without-secret": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", env={"AWS_ACCESS_KEY_ID": K2}, answers=False
    ),
    "env-session-token-only": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", env={"AWS_SESSION_TOKEN": "t"}, answers=False
    ),
    "role-in-profile": Scenario(
        config=f"[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\n",
        credentials=f"[base]\n{keys(K1, S1)}[dev]\n{keys(K2, S2)}",
        flag="dev",
        answers=False,
    ),
    "role-in-credentials-file": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}role_arn = {ROLE}\n"
        "credential_source = Environment\n",
        answers=False,
    ),
    "credential-source": Scenario(
        config=f"[default]\nrole_arn = {ROLE}\ncredential_source = Ec2InstanceMetadata\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "web-identity-in-profile": Scenario(
        config=f"[default]\nrole_arn = {ROLE}\nweb_identity_token_file = /nope\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "web-identity-in-env": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}",
        env={"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": "/nope"},
        answers=False,
    ),
    "sso-profile": Scenario(
        config="[default]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "sso-session": Scenario(
        config="[default]\nsso_session = s\n[sso-session s]\nsso_start_url = https://x\n",
        answers=False,
    ),
    "credential-process-and-config-keys": Scenario(
        config=f"[default]\ncredential_process = /bin/false\n{keys(K1, S1)}", answers=False
    ),
    "credential-process-and-file-keys": Scenario(
        config="[default]\ncredential_process = /bin/false\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "key-without-secret-in-file": Scenario(
        credentials=f"[default]\naws_access_key_id = {K1}\n", answers=False
    ),
    "secret-without-key-in-file": Scenario(
        credentials=f"[default]\naws_secret_access_key = {S1}\n", answers=False
    ),
    "empty-key": Scenario(
        credentials=f"[default]\naws_access_key_id =\naws_secret_access_key = {S1}\n",
        answers=False,
    ),
    "unknown-profile-by-flag": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", flag="nope", answers=False
    ),
    "unknown-profile-by-env": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", env={"AWS_PROFILE": "nope"}, answers=False
    ),
    "empty-AWS_PROFILE": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", env={"AWS_PROFILE": ""}, answers=False
    ),
    "empty-AWS_DEFAULT_PROFILE": Scenario(
        credentials=f"[dev]\n{keys(K2, S2)}",
        env={"AWS_DEFAULT_PROFILE": "", "AWS_PROFILE": "dev"},
        answers=False,
    ),
    "empty-AWS_CONFIG_FILE": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}", env={"AWS_CONFIG_FILE": ""}, answers=False
    ),
    "empty-AWS_SHARED_CREDENTIALS_FILE": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}",
        env={"AWS_SHARED_CREDENTIALS_FILE": ""},
        answers=False,
    ),
    "no-files": Scenario(answers=False),
    "no-credentials-anywhere": Scenario(config="[default]\nregion = eu-west-1\n", answers=False),
    "quoted-profile-header": Scenario(
        config=f'[profile "dev"]\n{keys(K2, S2)}', flag="dev", answers=False
    ),
    "profiles-header-typo": Scenario(
        config=f"[profiles dev]\n{keys(K2, S2)}", flag="dev", answers=False
    ),
    "default-given-twice": Scenario(
        config=f"[default]\n{keys(K1, S1)}[profile default]\n{keys(K2, S2)}", answers=False
    ),
    "spaced-credentials-header": Scenario(
        credentials=f"[ dev ]\n{keys(K2, S2)}", flag="dev", answers=False
    ),
    "duplicate-section": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}[default]\n{keys(K2, S2)}", answers=False
    ),
    "duplicate-option": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}aws_access_key_id = {K2}\n", answers=False
    ),
    "line-without-equals": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}garbage line\n", answers=False
    ),
    "no-section-header": Scenario(credentials=keys(K1, S1), answers=False),
    "empty-session-token": Scenario(
        credentials=f"[default]\n{keys(K1, S1)}aws_session_token =\n", answers=True
    ),
    "empty-security-token-hides-session-token": Scenario(
        credentials=f"[default]\n{keys(K1, S1, 'tok')}aws_security_token =\n", answers=True
    ),
    "login-session": Scenario(
        config="[default]\nlogin_session = x\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "mfa-serial": Scenario(
        config="[default]\nmfa_serial = arn:aws:iam::1:mfa/u\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "source-profile-alone": Scenario(
        config="[profile dev]\nsource_profile = base\n",
        credentials=f"[base]\n{keys(K1, S1)}[dev]\n{keys(K2, S2)}",
        flag="dev",
        answers=False,
    ),
    "duration-seconds": Scenario(
        config="[default]\nduration_seconds = 900\n",
        credentials=f"[default]\n{keys(K1, S1)}",
        answers=False,
    ),
    "credentials-file-is-a-directory": Scenario(
        credentials=None, env={"AWS_SHARED_CREDENTIALS_FILE": "{tmp}"}, answers=False
    ),
    "not-utf8-credentials": Scenario(
        credentials="[default]\naws_access_key_id = \udcff\n", answers=False
    ),
}


def arrange(tmp: Path, monkeypatch: pytest.MonkeyPatch, scenario: Scenario) -> dict[str, str]:
    for name in [n for n in os.environ if n.startswith(("AWS_", "BOTO"))]:
        monkeypatch.delenv(name)
    home = tmp / "home"
    home.mkdir()
    config, credentials = tmp / "config", tmp / "credentials"
    env = {
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update({k: v.replace("{tmp}", str(tmp)) for k, v in scenario.env.items()})
    for path, text in ((config, scenario.config), (credentials, scenario.credentials)):
        if text is not None:
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def botocore_keys(flag: str | None) -> tuple[str | None, str | None, str | None] | None:
    try:
        found = botocore.session.Session(profile=flag).get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except Exception:  # botocore refused: the fast path must have handed over
        return None
    if frozen is None:
        return None
    return frozen.access_key, frozen.secret_key, frozen.token or None


def test_the_corpus_is_large_enough() -> None:
    answered = [n for n, s in SCENARIOS.items() if s.answers]
    assert len(SCENARIOS) >= 60 and len(answered) >= 20


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_fast_path_gives_botocores_keys_or_hands_over(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = SCENARIOS[name]
    env = arrange(tmp_path, monkeypatch, scenario)
    ours = profile_credentials(env, profile=scenario.flag)
    theirs = botocore_keys(scenario.flag)
    if scenario.answers is not None:
        assert (ours is not None) is scenario.answers, ours
    if ours is not None:
        assert (ours.access_key_id, ours.secret_access_key, ours.session_token) == theirs


def test_a_profile_with_static_keys_loads_no_botocore(tmp_path: Path) -> None:
    """`exec --profile dev --no-cache` with keys in ~/.aws/credentials: signed without botocore."""
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[dev]\n{keys(K2, S2)}")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "COVERAGE_", "EKS_TF_AUTH_", "KUBERNETES_"))
    }
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )
    probe = (
        "import sys, io, contextlib\n"
        "from eks_tf_auth.entry import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['exec', '--cluster-name', 'c', '--region', 'eu-west-1',"
        " '--profile', 'dev', '--no-cache'])\n"
        'assert code == 0 and out.getvalue().startswith(\'{"kind":"ExecCredential"\')\n'
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
