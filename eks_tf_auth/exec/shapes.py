"""Other EKS credential plugins' arguments, translated to `exec`, so that switching an exec block's
`command` to eks-tf-auth is all a kubeconfig or a Terraform provider needs:

| peer | its arguments |
| --- | --- |
| AWS CLI | `[GLOBAL ...] eks get-token [OPTION ...]` (global options anywhere) |
| aws-iam-authenticator | `[-i NAME] token [OPTION ...]` |
| eks-auth | `--cluster-name NAME [--role-arn ARN] [--region REGION]` |
| cluster-inventory eks-aws-auth-plugin | none, run by client-go (KUBERNETES_EXEC_INFO set) |

`translate` returns the `exec` arguments that mean the same, or None for arguments that are no
peer's (ours: `exec`, `lint`, `--help`, ...). What eks-tf-auth cannot honour is an `InputError`
naming the option, never a silently different token. The cache key stays the arguments as given:
`entry.py` looks them up before anything is parsed, and `cli.main` hands them to `exec` as click's
`obj`, which the answer is stored under. So a translation must depend on nothing but the
arguments and what the cache key holds; where it reads the two aws-iam-authenticator variables
(`ENV_VARS`), it turns the cache off, and `entry.py` skips its lookup while they are set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eks_tf_auth.errors import InputError

ROLE_ENV = "DEFAULT_ROLE"  # aws-iam-authenticator token: the role when -r is not given
CLUSTER_ID_ENV = "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID"  # ... and the cluster when -i is not
ENV_VARS = (ROLE_ENV, CLUSTER_ID_ENV)
# exec's options that take a value, in the order a translation gives them.
EXEC_OPTIONS = (
    "--cluster-name",
    "--cluster-id",
    "--region",
    "--profile",
    "--role-arn",
    "--external-id",
    "--session-name",
)
TOKEN_ONLY = "--token-only"  # exec's hidden switch: print the bare token
HELP = "--help"
FORWARD_SESSION_NAME = "--forward-session-name"
# Go's strconv.ParseBool, which pflag and the flag package use for `--switch=VALUE`.
_GO_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_LOG_LEVELS = ("panic", "fatal", "error", "warn", "warning", "info", "debug", "trace")
_SEE_HELP = "see 'eks-tf-auth exec --help'"


@dataclass(frozen=True)
class Option:
    """One option of a peer: every spelling, and what it becomes."""

    names: tuple[str, ...]
    to: str | None = None  # the exec option (or TOKEN_ONLY, HELP, ...); None: changes nothing
    takes_value: bool = True
    only: tuple[str, ...] = ()  # the values eks-tf-auth honours; () for any
    why: str | None = None  # why it is refused: always, or (with `only`) for other values
    hint: str | None = None
    lead: bool = False  # may come before the peer's command word (a global option)


@dataclass(frozen=True)
class Peer:
    name: str  # as messages name it
    command: tuple[str, ...]  # the words it takes: ("eks", "get-token"), ("token",) or ()
    options: tuple[Option, ...]
    go: bool  # Go's flag syntax: `--switch=false`, and an empty value means not given
    attached: bool = False  # pflag's `-iNAME`
    _by_name: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {name: option for option in self.options for name in option.names}
        object.__setattr__(self, "_by_name", by_name)

    def lookup(self, arg: str) -> tuple[Option | None, str | None]:
        """The option `arg` spells, and the value it carries (`--name=VALUE`, pflag's `-iVALUE`)."""
        name, eq, value = arg.partition("=")
        option = self._by_name.get(name)
        if option is not None:
            return option, value if eq else None
        short = self._by_name.get(arg[:2]) if self.attached and arg[1:2] != "-" else None
        if short is not None and short.takes_value:
            return short, arg[2:]
        return None, None

    def accepted(self) -> str:
        """The options eks-tf-auth takes from this peer, for a hint."""
        names = [
            "/".join(o.names) + (f" {'|'.join(o.only)}" if 0 < len(o.only) <= 2 else "")
            for o in self.options
            if (o.why is None or o.only) and o.to != HELP
        ]
        return f"eks-tf-auth takes {self.name} with {', '.join(names)}"


def _refused(
    *names: str, why: str, hint: str | None = None, takes_value: bool = True, lead: bool = True
) -> Option:
    return Option(names, takes_value=takes_value, why=why, hint=hint, lead=lead)


AWS_CLI = Peer(
    "aws eks get-token",
    command=("eks", "get-token"),
    go=False,
    options=(
        Option(("--cluster-name",), "--cluster-name"),
        Option(("--cluster-id",), "--cluster-id"),
        Option(("--role-arn", "--role"), "--role-arn"),  # update-kubeconfig writes --role
        Option(("--region",), "--region", lead=True),
        Option(("--profile",), "--profile", lead=True),
        Option(
            ("--output",),
            only=("json",),
            why="the answer is always ExecCredential JSON",
            hint="drop --output, or give --output json",
            lead=True,
        ),
        Option(("--no-paginate",), takes_value=False, lead=True),  # get-token never pages
        Option(("--no-cli-pager",), takes_value=False, lead=True),  # nor does eks-tf-auth
        Option(("--no-cli-auto-prompt",), takes_value=False, lead=True),
        Option(("--cli-binary-format",), lead=True),  # get-token takes no binary input
        Option(
            ("--color",),
            only=("off", "auto"),
            why="the answer is never coloured",
            hint="drop --color",
            lead=True,
        ),
        Option(("-h", HELP), HELP, takes_value=False),
        _refused(
            "--endpoint-url",
            why="eks-tf-auth signs for STS and calls no other endpoint",
            hint="drop it; AWS_ENDPOINT_URL_STS sets the STS endpoint",
        ),
        _refused("--no-verify-ssl", takes_value=False, why="eks-tf-auth always verifies TLS"),
        _refused("--ca-bundle", why="eks-tf-auth takes no CA bundle option"),
        _refused("--no-sign-request", takes_value=False, why="a token is a signed request"),
        _refused("--query", why="the answer is the whole ExecCredential"),
        _refused(
            "--debug",
            "--v2-debug",
            takes_value=False,
            why="an environment variable turns on eks-tf-auth's debug output",
            hint="set EKS_TF_AUTH_DEBUG=1",
        ),
        _refused("--cli-read-timeout", "--cli-connect-timeout", why="eks-tf-auth sets its own"),
        _refused("--cli-auto-prompt", takes_value=False, why="eks-tf-auth never prompts"),
        _refused(
            "--version",
            takes_value=False,
            why="it asks for no token",
            hint="run 'eks-tf-auth --version'",
        ),
    ),
)
AWS_IAM_AUTHENTICATOR = Peer(
    "aws-iam-authenticator token",
    command=("token",),
    go=True,
    attached=True,
    options=(
        Option(("-i", "--cluster-id"), "--cluster-id", lead=True),
        Option(("-r", "--role"), "--role-arn"),
        Option(("-e", "--external-id"), "--external-id"),
        Option(("-s", "--session-name"), "--session-name"),
        Option(("--region",), "--region"),
        Option((TOKEN_ONLY,), TOKEN_ONLY, takes_value=False),
        Option((FORWARD_SESSION_NAME,), FORWARD_SESSION_NAME, takes_value=False),
        Option(("--cache",), takes_value=False),  # eks-tf-auth caches the token itself
        Option(
            ("-l", "--log-format"),
            only=("text",),
            why="eks-tf-auth logs text only",
            hint="drop --log-format",
            lead=True,
        ),
        Option(  # stderr only: eks-tf-auth warns when something is wrong, and says nothing else
            ("-v", "--log-verbosity"),
            only=_LOG_LEVELS,
            why="not a log level",
            hint=f"use one of {', '.join(_LOG_LEVELS)}",
            lead=True,
        ),
        Option(("-h", HELP), HELP, takes_value=False),
        _refused(
            "-c",
            "--config",
            why="eks-tf-auth reads no aws-iam-authenticator configuration file",
            hint="give the cluster with -i and the role with -r",
        ),
        _refused("--feature-gates", why="feature gates configure the aws-iam-authenticator server"),
    ),
)
EKS_AUTH = Peer(
    "eks-auth",
    command=(),
    go=True,
    options=(
        Option(("--cluster-name", "-cluster-name"), "--cluster-name", lead=True),
        Option(("--role-arn", "-role-arn"), "--role-arn", lead=True),
        Option(("--region", "-region"), "--region", lead=True),
        Option(("-h", "-help", HELP), HELP, takes_value=False),
    ),
)
PEERS = (AWS_CLI, AWS_IAM_AUTHENTICATOR, EKS_AUTH)


def translate(argv: Sequence[str], environ: Mapping[str, str]) -> list[str] | None:
    """The `exec` arguments that do what `argv` asks of a peer, or None if `argv` is no peer's."""
    if not argv:
        from eks_tf_auth.exec.protocol import EXEC_INFO_ENV

        # Run by client-go with no arguments: the cluster-inventory plugin's exec config.
        return ["exec"] if EXEC_INFO_ENV in environ else None
    peer = recognise(argv)
    if peer is None:
        return None
    given, words = _parse(peer, argv)
    if given.get(HELP) == "true":
        return ["exec", HELP]
    if words != list(peer.command):
        raise InputError(
            f"unexpected arguments {' '.join(words)!r}: eks-tf-auth answers {peer.name!r} only",
            hint=_SEE_HELP,
        )
    if peer.go:  # Go's tools take an empty value as not given
        given = {k: v for k, v in given.items() if v}
    no_cache = False
    if peer is AWS_IAM_AUTHENTICATOR:
        no_cache = _authenticator(given, environ)
    args = ["exec"]
    for option in EXEC_OPTIONS:
        if option in given:
            args += [option, given[option]]
    if given.get(TOKEN_ONLY) == "true":
        args.append(TOKEN_ONLY)
        no_cache = True  # the cache holds ExecCredentials, which the warm path prints as stored
    if no_cache:
        args.append("--no-cache")
    return args


def recognise(argv: Sequence[str]) -> Peer | None:
    """The peer whose command word follows the global options argv starts with; for eks-auth,
    which has none, the first argument is one of its options."""
    first = argv[0]
    if first not in ("eks", "token") and not first.startswith("-"):
        return None
    for peer in PEERS:
        i = _skip_leading_options(peer, argv)
        found = i < len(argv) and argv[i] == peer.command[0] if peer.command else i > 0
        if found:
            return peer
    return None


def _skip_leading_options(peer: Peer, argv: Sequence[str]) -> int:
    i = 0
    while i < len(argv):
        option, value = peer.lookup(argv[i])
        if option is None or not option.lead:
            break
        i += 1 if value is not None or not option.takes_value else 2
    return i


def _parse(peer: Peer, argv: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The options given (exec name → value; a switch is "true" or "false"; the last one wins, as
    in every peer) and the words."""
    given: dict[str, str] = {}
    words: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            words += args
            break
        if arg == "-" or not arg.startswith("-"):
            words.append(arg)
            continue
        option, inline = peer.lookup(arg)
        name = arg.partition("=")[0]
        if option is None:
            raise InputError(f"unknown option {name} for {peer.name}", hint=peer.accepted())
        if option.why is not None and not option.only:
            raise InputError(
                f"{name} ({peer.name}) is not supported: {option.why}",
                hint=option.hint or f"drop {name}",
            )
        if option.takes_value:
            value = inline if inline is not None else next(args, None)
            if value is None:
                raise InputError(f"{name} needs a value ({peer.name})", hint=_SEE_HELP)
        else:
            value = _switch(peer, name, inline)
        if option.only and value not in option.only:
            raise InputError(f"{name} {value} is not supported: {option.why}", hint=option.hint)
        if option.to is not None:
            given[option.to] = value
    return given, words


def _switch(peer: Peer, name: str, value: str | None) -> str:
    if value is None:
        return "true"
    if not peer.go:
        raise InputError(f"{name} takes no value ({peer.name})", hint=f"give {name} alone")
    if value in _GO_TRUE or value in _GO_FALSE:
        return "true" if value in _GO_TRUE else "false"
    raise InputError(f"invalid value {value!r} for {name}", hint="use true or false")


def _authenticator(given: dict[str, str], environ: Mapping[str, str]) -> bool:
    """aws-iam-authenticator's own rules, applied to `given`; True when a value came from the
    environment (which the cache key does not hold)."""
    from_env = False
    for option, env in (("--cluster-id", CLUSTER_ID_ENV), ("--role-arn", ROLE_ENV)):
        if option not in given and environ.get(env):
            given[option] = environ[env]
            from_env = True
    forward = given.pop(FORWARD_SESSION_NAME, "false") == "true"
    if forward and "--session-name" in given:
        raise InputError(
            "--forward-session-name and --session-name cannot both be given "
            "(aws-iam-authenticator token)",
            hint="drop one of them",
        )
    if "--role-arn" not in given:  # it uses them only to assume -r; eks-tf-auth would refuse
        given.pop("--external-id", None)
        given.pop("--session-name", None)
    elif forward:
        raise InputError(
            "--forward-session-name (aws-iam-authenticator token) is not supported: "
            "eks-tf-auth does not look up the caller's session name",
            hint="name the role session with -s/--session-name",
        )
    return from_env
