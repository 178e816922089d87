"""Other plugins' arguments (AWS CLI, aws-iam-authenticator, eks-auth, the cluster-inventory
plugin) translated to `exec`, refused where eks-tf-auth cannot honour them, and cached under the
arguments as given."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from eks_tf_auth import cli, entry
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec import protocol, shapes
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.verifier import VerifiedToken, verify_token

ARN = "arn:aws:iam::123456789012:role/deploy"
V1 = "client.authentication.k8s.io/v1"

TRANSLATIONS: list[tuple[list[str], list[str]]] = [
    # aws eks get-token, as update-kubeconfig writes it (global options first) and by hand
    (
        ["--region", "us-west-2", "eks", "get-token", "--cluster-name", "demo", "--output", "json"],
        ["exec", "--cluster-name", "demo", "--region", "us-west-2"],
    ),
    (
        ["--region", "eu-west-1", "eks", "get-token", "--cluster-id", "demo", "--output", "json"],
        ["exec", "--cluster-id", "demo", "--region", "eu-west-1"],
    ),
    (
        ["--region", "us-west-2", "eks", "get-token", "--cluster-name", "demo", "--role", ARN],
        ["exec", "--cluster-name", "demo", "--region", "us-west-2", "--role-arn", ARN],
    ),
    (
        ["eks", "get-token", "--cluster-name", "demo", "--region", "us-west-2", "--role-arn", ARN],
        ["exec", "--cluster-name", "demo", "--region", "us-west-2", "--role-arn", ARN],
    ),
    (
        ["--profile", "dev", "--output=json", "eks", "--region=eu-west-1", "get-token"],
        ["exec", "--region", "eu-west-1", "--profile", "dev"],
    ),
    (
        ["eks", "get-token", "--cluster-name=a", "--region", "x-1", "--region", "eu-west-1"],
        ["exec", "--cluster-name", "a", "--region", "eu-west-1"],  # the last one wins
    ),
    (
        [
            *("--no-paginate", "--no-cli-pager", "--no-cli-auto-prompt", "eks", "get-token"),
            *("--cluster-name", "a", "--color", "off", "--cli-binary-format", "raw-in-base64-out"),
        ],
        ["exec", "--cluster-name", "a"],
    ),
    (["eks", "get-token", "--cluster-name", "", "--color=auto"], ["exec", "--cluster-name", ""]),
    (["eks", "get-token", "--help"], ["exec", "--help"]),
    # aws-iam-authenticator token, with pflag's spellings
    (["token", "-i", "demo"], ["exec", "--cluster-id", "demo"]),
    (["token", "--cluster-id", "demo"], ["exec", "--cluster-id", "demo"]),
    (["token", "-idemo", "-r", ARN], ["exec", "--cluster-id", "demo", "--role-arn", ARN]),
    (
        ["-i=demo", "token", "--role=" + ARN, "-e", "ext-1", "-s", "ci", "--region", "eu-west-1"],
        [
            *("exec", "--cluster-id", "demo", "--region", "eu-west-1", "--role-arn", ARN),
            *("--external-id", "ext-1", "--session-name", "ci"),
        ],
    ),
    (
        ["token", "-i", "demo", "--external-id", "ext-1", "--session-name", "ci"],
        ["exec", "--cluster-id", "demo"],  # without a role it has no use for them either
    ),
    (
        ["token", "-i", "demo", "-r", "", "--region", ""],  # empty is not given, in Go
        ["exec", "--cluster-id", "demo"],
    ),
    (
        ["-v", "debug", "-l", "text", "token", "-i", "demo", "--cache", "--forward-session-name"],
        ["exec", "--cluster-id", "demo"],  # forwarding a session name needs a role to assume
    ),
    (  # the bare token: the cache holds ExecCredentials, so this is never cached
        ["token", "-i", "demo", "--token-only"],
        ["exec", "--cluster-id", "demo", "--token-only", "--no-cache"],
    ),
    (
        ["token", "--token-only=true", "-i", "demo", "--token-only=F"],
        ["exec", "--cluster-id", "demo"],
    ),
    (["token", "-h"], ["exec", "--help"]),
    # eks-auth, with Go's flag spellings
    (["--cluster-name", "demo"], ["exec", "--cluster-name", "demo"]),
    (
        ["-cluster-name=demo", "-role-arn", ARN, "--region", "eu-west-1"],
        ["exec", "--cluster-name", "demo", "--region", "eu-west-1", "--role-arn", ARN],
    ),
    (
        ["--role-arn", ARN, "--cluster-name", "demo"],
        ["exec", "--cluster-name", "demo", "--role-arn", ARN],
    ),
    (["--region", "eu-west-1"], ["exec", "--region", "eu-west-1"]),
    (["--cluster-name", "demo", "-help"], ["exec", "--help"]),
]

NOT_PEERS = [
    ["exec", "--cluster-name", "demo"],
    ["lint", "."],
    ["nope"],
    ["--help"],
    ["-h"],
    ["--version"],
    ["--bogus"],
    ["--profile", "dev", "--cluster-name", "demo"],  # eks-auth has no --profile
    ["-i", "demo"],  # aws-iam-authenticator needs its `token`
    [""],
]


@pytest.mark.parametrize(("argv", "expected"), TRANSLATIONS, ids=lambda v: " ".join(v)[:60])
def test_translation(argv: list[str], expected: list[str]) -> None:
    assert shapes.translate(argv, {}) == expected


@pytest.mark.parametrize("argv", NOT_PEERS, ids=lambda v: " ".join(v) or "empty")
def test_our_own_arguments_are_left_alone(argv: list[str]) -> None:
    assert shapes.translate(argv, {}) is None


def test_no_arguments_under_client_go_is_exec() -> None:
    """The cluster-inventory plugin's exec config gives a command and no arguments."""
    assert shapes.translate([], {protocol.EXEC_INFO_ENV: "{}"}) == ["exec"]
    assert shapes.translate([], {}) is None


@pytest.mark.parametrize(
    ("environ", "argv", "expected"),
    [
        (
            {shapes.ROLE_ENV: ARN},
            ["token", "-i", "demo"],
            ["exec", "--cluster-id", "demo", "--role-arn", ARN, "--no-cache"],
        ),
        (
            {shapes.CLUSTER_ID_ENV: "from-env"},
            ["token"],
            ["exec", "--cluster-id", "from-env", "--no-cache"],
        ),
        (  # flags win, as in viper; then the answer depends on the arguments alone
            {shapes.CLUSTER_ID_ENV: "from-env", shapes.ROLE_ENV: ARN},
            ["token", "-i", "demo", "-r", ARN],
            ["exec", "--cluster-id", "demo", "--role-arn", ARN],
        ),
        ({shapes.ROLE_ENV: ""}, ["token", "-i", "demo"], ["exec", "--cluster-id", "demo"]),
        (  # only aws-iam-authenticator reads them
            {shapes.ROLE_ENV: ARN},
            ["--cluster-name", "demo"],
            ["exec", "--cluster-name", "demo"],
        ),
    ],
)
def test_aws_iam_authenticator_environment(
    environ: dict[str, str], argv: list[str], expected: list[str]
) -> None:
    assert shapes.translate(argv, environ) == expected


REFUSED: list[tuple[list[str], str]] = [
    (["eks", "get-token", "--cluster-name", "a", "--output", "text"], "--output text is not"),
    (["--output", "table", "eks", "get-token", "--cluster-name", "a"], "--output table is not"),
    (["--output=yaml", "eks", "get-token"], "--output yaml is not supported"),
    (["eks", "get-token", "--color", "on"], "--color on is not supported"),
    (["--endpoint-url", "https://x", "eks", "get-token"], "--endpoint-url (aws eks get-token)"),
    (["eks", "get-token", "--cluster-name", "a", "--no-verify-ssl"], "--no-verify-ssl (aws eks"),
    (["eks", "get-token", "--ca-bundle", "b.pem"], "--ca-bundle (aws eks get-token) is not"),
    (["eks", "get-token", "--query", "status.token"], "--query (aws eks get-token) is not"),
    (["--debug", "eks", "get-token"], "--debug (aws eks get-token) is not supported"),
    (["eks", "get-token", "--cli-read-timeout", "5"], "--cli-read-timeout (aws eks"),
    (["eks", "get-token", "--no-sign-request"], "--no-sign-request (aws eks get-token)"),
    (["eks", "get-token", "--cli-auto-prompt"], "--cli-auto-prompt (aws eks get-token)"),
    (["eks", "get-token", "--version"], "--version (aws eks get-token) is not supported"),
    (["eks", "get-token", "--bogus"], "unknown option --bogus for aws eks get-token"),
    (["eks", "get-token", "--cluster"], "unknown option --cluster for aws eks get-token"),
    (["eks", "get-token", "--no-paginate=yes"], "--no-paginate takes no value"),
    (["eks", "get-token", "--region"], "--region needs a value (aws eks get-token)"),
    (["eks", "describe-cluster", "--name", "a"], "unknown option --name"),
    (["eks", "describe-cluster"], "unexpected arguments 'eks describe-cluster'"),
    (["--region", "eu-west-1", "eks"], "unexpected arguments 'eks'"),
    (["eks", "get-token", "--cluster-name", "a", "--", "x"], "unexpected arguments"),
    (["token", "-i", "a", "-c", "config.yaml"], "-c (aws-iam-authenticator token) is not"),
    (["--feature-gates", "X=true", "token", "-i", "a"], "--feature-gates (aws-iam-authenticator"),
    (["token", "-i", "a", "-l", "json"], "-l json is not supported"),
    (["token", "-i", "a", "--log-verbosity=loud"], "--log-verbosity loud is not supported"),
    (
        ["token", "-i", "a", "--role-arn", ARN],
        "unknown option --role-arn for aws-iam-authenticator",
    ),
    (["token", "-x"], "unknown option -x for aws-iam-authenticator token"),
    (["token", "-i", "a", "--token-only=maybe"], "invalid value 'maybe' for --token-only"),
    (["token", "-i"], "-i needs a value (aws-iam-authenticator token)"),
    (["token", "-i", "a", "extra"], "unexpected arguments 'token extra'"),
    (
        ["token", "-i", "a", "-r", ARN, "--forward-session-name"],
        "--forward-session-name (aws-iam-authenticator token) is not supported",
    ),
    (
        ["token", "-i", "a", "-r", ARN, "-s", "ci", "--forward-session-name"],
        "--forward-session-name and --session-name cannot both be given",
    ),
    (["--cluster-name", "a", "--profile", "p"], "unknown option --profile for eks-auth"),
    (["--cluster-name", "a", "extra"], "unexpected arguments 'extra'"),
    (["--cluster-name"], "--cluster-name needs a value (eks-auth)"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=lambda v: " ".join(v)[:60])
def test_what_cannot_be_honoured_is_one_line_and_a_hint(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(InputError) as caught:
        shapes.translate(argv, {})
    assert caught.value.hint
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("eks-tf-auth: error: ") and message in lines[0], lines
    assert lines[1].startswith("hint: ")
    assert not list(aws_env.cache_dir.glob("*.token"))


def test_an_unknown_option_hint_lists_what_is_taken() -> None:
    with pytest.raises(InputError) as caught:
        shapes.translate(["token", "-i", "a", "--bogus"], {})
    assert caught.value.hint == (
        "eks-tf-auth takes aws-iam-authenticator token with -i/--cluster-id, -r/--role, "
        "-e/--external-id, -s/--session-name, --region, --token-only, --forward-session-name, "
        "--cache, -l/--log-format text, -v/--log-verbosity"
    )


# --- the cache: the warm path (entry.py) finds what a full run stored --------------------------


@pytest.mark.parametrize(("argv", "expected"), TRANSLATIONS, ids=lambda v: " ".join(v)[:60])
def test_the_warm_path_looks_up_every_translated_shape(
    argv: list[str], expected: list[str]
) -> None:
    assert entry._cacheable(argv, {})
    assert not entry._cacheable(argv, {shapes.ROLE_ENV: ARN})
    assert not entry._cacheable(argv, {shapes.CLUSTER_ID_ENV: "demo"})


@pytest.mark.parametrize(
    ("argv", "environ", "cacheable"),
    [
        (["exec", "--cluster-name", "demo"], {shapes.ROLE_ENV: ARN}, True),
        ([], {"KUBERNETES_EXEC_INFO": "{}"}, True),
        ([], {}, False),
        (["lint", "."], {}, False),
        (["render", "provider"], {}, False),
        (["--help"], {}, False),
        (["-h"], {}, False),
        (["--version"], {}, False),
        (["--cluster-name", "demo"], {shapes.ROLE_ENV: ""}, True),
    ],
)
def test_what_the_warm_path_looks_up(
    argv: list[str], environ: dict[str, str], cacheable: bool
) -> None:
    assert entry._cacheable(argv, environ) is cacheable


def test_the_warm_path_spells_the_names_it_shares() -> None:
    assert entry.PEER_ENV_VARS == shapes.ENV_VARS
    assert entry.EXEC_INFO_ENV == protocol.EXEC_INFO_ENV


def issue(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


SHAPES = {
    "aws-cli": [
        *("--region", "us-west-2", "eks", "get-token"),
        *("--cluster-name", "demo", "--output", "json"),
    ],
    "aws-iam-authenticator": ["token", "-i", "demo"],
    "eks-auth": ["--cluster-name", "demo"],
    "cluster-inventory": [],
}
CLUSTER_INFO = json.dumps(
    {
        "apiVersion": V1,
        "spec": {"cluster": {"config": {"region": "us-west-2", "clusterId": "demo"}}},
    }
)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_second_run_is_a_warm_cache_hit(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shape: str,
) -> None:
    argv = SHAPES[shape]
    if not argv:
        monkeypatch.setenv("KUBERNETES_EXEC_INFO", CLUSTER_INFO)
    first = issue(argv, capsys)
    [stored] = aws_env.cache_dir.glob("*.token")

    def no_full_run(*_: object) -> int:
        raise AssertionError("the warm path missed")

    monkeypatch.setattr(cli, "main", no_full_run)
    assert entry.main(argv) == 0
    assert capsys.readouterr().out == first
    assert list(aws_env.cache_dir.glob("*.token")) == [stored]


def test_a_peer_and_exec_are_cached_apart(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    issue(["token", "-i", "demo"], capsys)
    issue(["exec", "--cluster-id", "demo"], capsys)
    assert len(list(aws_env.cache_dir.glob("*.token"))) == 2


def test_token_only_prints_the_bare_token_and_caches_nothing(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    out = issue(["token", "-i", "demo", "--token-only"], capsys)
    assert out.startswith("k8s-aws-v1.") and out.endswith("\n") and out.count("\n") == 1
    verified(out.strip(), "demo")
    assert not list(aws_env.cache_dir.glob("*.token"))


# --- a cluster id that is a cluster name -------------------------------------------------------


def verified(token: str, cluster: str) -> VerifiedToken:
    return verify_token(
        token,
        cluster_id=cluster,
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
    )


def token_of(output: str) -> str:
    return str(json.loads(output)["status"]["token"])


def test_cluster_inventory_cluster_profile(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cluster-inventory plugin's documented ClusterProfile: the cluster name as clusterId."""
    monkeypatch.delenv("AWS_REGION")
    config = {"region": "ap-northeast-1", "clusterId": "my-eks-cluster"}
    info = {"apiVersion": V1, "spec": {"interactive": False, "cluster": {"config": config}}}
    monkeypatch.setenv("KUBERNETES_EXEC_INFO", json.dumps(info))
    for argv in ([], ["exec"]):
        out = issue(argv, capsys)
        assert json.loads(out)["apiVersion"] == V1
        token = verified(token_of(out), "my-eks-cluster")
        assert token.cluster_id == "my-eks-cluster"
        assert token.host == "sts.ap-northeast-1.amazonaws.com"


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "--cluster-id", "my-eks-cluster"],
        ["token", "-i", "my-eks-cluster"],
        ["eks", "get-token", "--cluster-id", "my-eks-cluster"],
    ],
)
def test_cluster_id_given_as_a_name(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert verified(token_of(issue(argv, capsys)), "my-eks-cluster").cluster_id == "my-eks-cluster"


def test_an_outposts_cluster_id_still_works(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    ident = "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"
    assert verified(token_of(issue(["token", "-i", ident], capsys)), ident).cluster_id == ident


@pytest.mark.parametrize("bad", ["a b", "-leading", "x" * 101, "demo\n", "\u0661"])
def test_a_cluster_id_must_still_be_a_name_or_an_id(
    aws_env: AwsEnv, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    assert cli.main(["token", "-i", bad]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("eks-tf-auth: error: invalid cluster id")
    assert err[1].startswith("hint: a cluster name")
