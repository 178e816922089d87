"""Everything doctor learns from the outside, gathered once, in one place, before any check runs:
the environment, the credentials `exec` would sign with, STS, IAM, EKS, CloudWatch Logs, the
kubeconfig and kuberc, the exec plugin run as kubectl runs it, and the cluster's API server. The
checks (`checks/`) are pure functions of the `Facts`.

Each fact is its value, `Failed` (the one-line error and hint of the step that could not get it),
or None (not gathered: not asked for, or a fact it needs is missing). Nothing here raises for
what a user's setup gets wrong; only input doctor cannot start from at all (an unreadable
`--kubeconfig` or `--aws-auth` file) is an `InputError`.

Every client is injected: `Clients` builds the STS, EKS, IAM and CloudWatch Logs clients for the
credentials found (`default_clients` builds botocore's), so tests hand in clients pointed at moto
or wrapped in a botocore `Stubber`; the clock is `now`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

from eks_tf_auth import identity
from eks_tf_auth.doctor.apiserver import Answer, Server
from eks_tf_auth.errors import Error, InputError
from eks_tf_auth.token import Token, utcnow

if TYPE_CHECKING:
    from mypy_boto3_eks import EKSClient
    from mypy_boto3_sts import STSClient

    from eks_tf_auth.aws.cluster_access import ClusterAccess
    from eks_tf_auth.aws.credentials import Credentials
    from eks_tf_auth.aws.eks import AccessEntry, AssociatedPolicy, Cluster
    from eks_tf_auth.aws.iam import Role
    from eks_tf_auth.aws.logs import LogLine, LogsClient
    from eks_tf_auth.aws.sts import Caller, Found
    from eks_tf_auth.aws.trust import IamReader, OidcProvider, RoleTrust
    from eks_tf_auth.identity import ClusterRequest, Resolved
    from eks_tf_auth.kube.kubeconfig import Context

T = TypeVar("T")
Clock = Callable[[], datetime]

WEB_IDENTITY_ENV = "AWS_WEB_IDENTITY_TOKEN_FILE"
ROLE_ARN_ENV = "AWS_ROLE_ARN"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
LOGS_LOOKBACK = timedelta(hours=1)
CONFIG_MAP = "CONFIG_MAP"
EXEC_SWITCHES = (
    "--no-cache",
    "--token-only",
    "--help",
)  # exec's options that take no value  # the authentication mode of a cluster that reports none
MAX_JWT = 64 * 1024
# The variables whose presence (never their values) the report names.
REPORTED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    WEB_IDENTITY_ENV,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_EKS",
    "KUBECONFIG",
    "KUBERC",
    "KUBECTL_KUBERC",
)


@dataclass(frozen=True)
class Failed:
    """A fact that could not be gathered: the error's line and hint, and its code where it has
    one (an AWS error code such as "AccessDenied", an HTTP status such as "401")."""

    message: str
    hint: str | None = None
    code: str | None = None


Fact: TypeAlias = "Failed | T | None"


@dataclass(frozen=True)
class Inputs:
    """What the user asked for. `request` comes from --cluster-name and the identity flags;
    with only --kubeconfig, the cluster and identity come from the context's exec block."""

    request: ClusterRequest | None = None
    kubeconfig: str | None = None
    context: str | None = None
    service_account: tuple[str, str] | None = None  # (namespace, name)
    aws_auth_file: str | None = None
    logs: bool = False


@dataclass(frozen=True)
class Clients:
    """Factories of the AWS clients, for the resolved request and the credentials found."""

    sts: Callable[[Resolved, Credentials], STSClient]
    eks: Callable[[Resolved, Credentials], EKSClient]
    iam: Callable[[Resolved, Credentials], IamReader]
    logs: Callable[[Resolved, Credentials], LogsClient]


def default_clients(environ: Mapping[str, str]) -> Clients:
    """botocore's clients, as `exec` and `aws-auth` make them (bounded; endpoints from the
    environment and the profile)."""

    def sts(resolved: Resolved, creds: Credentials) -> STSClient:
        from eks_tf_auth.aws import sts as module

        return module.client(resolved, creds, environ)

    def eks(resolved: Resolved, creds: Credentials) -> EKSClient:
        from eks_tf_auth.aws import eks as module

        return module.client(
            resolved.request.profile, creds, region=resolved.region, environ=environ
        )

    def iam(resolved: Resolved, creds: Credentials) -> IamReader:
        from eks_tf_auth.aws import iam as module

        client: Any = module.client(
            resolved.request.profile, creds, region=resolved.region, environ=environ
        )
        return client  # type: ignore[no-any-return]

    def logs(resolved: Resolved, creds: Credentials) -> LogsClient:
        from eks_tf_auth.aws import logs as module

        return module.client(
            resolved.request.profile, creds, region=resolved.region, environ=environ
        )

    return Clients(sts=sts, eks=eks, iam=iam, logs=logs)


# -- the facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """The variables that decide identity and target: which are set (names only), and the few
    values that name things rather than hold secrets."""

    present: tuple[str, ...]
    profile: str | None  # AWS_PROFILE (or AWS_DEFAULT_PROFILE)
    container_uri: str | None  # AWS_CONTAINER_CREDENTIALS_FULL_URI, without a query
    path: str  # PATH, as an exec plugin would see it


@dataclass(frozen=True)
class MintedToken:
    token: Token = field(repr=False)
    cluster_id: str  # the x-k8s-aws-id it was signed for


@dataclass(frozen=True)
class ClusterFacts:
    cluster: Cluster
    access: ClusterAccess


@dataclass(frozen=True)
class AccessEntryFacts:
    principal_arn: str  # the ARN looked up: a role's with its path
    entry: AccessEntry | None
    policies: tuple[AssociatedPolicy, ...] = ()
    created: datetime | None = None


@dataclass(frozen=True)
class AwsAuthFacts:
    source: str  # "cluster", or the file given
    data: Mapping[str, str] | None  # None: there is no aws-auth ConfigMap


@dataclass(frozen=True)
class KubeconfigFacts:
    """The kubeconfig context kubectl would use (or the one found for the cluster)."""

    paths: tuple[str, ...]
    context: Context
    given: bool  # --kubeconfig/--context, rather than found by the cluster's name or endpoint
    request: Fact[ClusterRequest]  # what the exec block's arguments ask for
    command_path: str | None  # where the exec command is on PATH (None: not found)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # the plugin's


@dataclass(frozen=True)
class KubercFacts:
    path: str | None  # None: kuberc is off or there is none
    blocked: str | None  # why kubectl would not run the exec plugin
    fix: str | None


@dataclass(frozen=True)
class PluginFacts:
    token: str = field(repr=False)
    refresh_at: datetime | None = None


@dataclass(frozen=True)
class Review:
    """A SelfSubjectReview's answer: who the API server says the token is."""

    username: str
    groups: tuple[str, ...]
    extra: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ServiceAccount:
    namespace: str
    name: str
    annotations: Mapping[str, str] | None  # None: there is no such service account


@dataclass(frozen=True)
class Claims:
    """A projected service-account token's claims, decoded (never verified)."""

    issuer: str | None
    audiences: tuple[str, ...]
    subject: str | None
    expires: datetime | None


@dataclass(frozen=True)
class WebIdentity:
    path: str
    claims: Claims | None  # None: the file does not hold a JWT
    problem: str | None = None  # why it could not be read


@dataclass(frozen=True)
class Facts:
    inputs: Inputs
    now: datetime
    environment: Environment
    request: Fact[ClusterRequest] = None
    resolved: Fact[Resolved] = None
    credentials: Fact[Found] = None
    caller: Fact[Caller] = None
    caller_time: datetime | None = None  # the local clock when GetCallerIdentity answered
    role: Fact[Role] = None  # the caller's role: its path, id and creation date
    token: Fact[MintedToken] = None
    cluster: Fact[ClusterFacts] = None
    logs: Fact[tuple[LogLine, ...]] = None
    access_entry: Fact[AccessEntryFacts] = None
    aws_auth: Fact[AwsAuthFacts] = None
    kubeconfig: Fact[KubeconfigFacts] = None
    kuberc: Fact[KubercFacts] = None
    plugin: Fact[PluginFacts] = None
    whoami: Fact[Review] = None
    service_account: Fact[ServiceAccount] = None
    web_identity: Fact[WebIdentity] = None
    irsa_role_arn: str | None = None
    irsa_role: Fact[RoleTrust] = None
    oidc_provider: Fact[OidcProvider] = None
    oidc_checked: bool = False  # whether the account's providers were looked at


def got(fact: Fact[T]) -> T | None:
    """The fact's value; None when it failed or was not gathered."""
    return None if fact is None or isinstance(fact, Failed) else fact


# -- gathering ---------------------------------------------------------------------------------


def failure(error: Error) -> Failed:
    """An error as a fact, with the AWS error code of the botocore error behind it, if any."""
    response = getattr(error.__cause__, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return Failed(error.message, error.hint, str(code) if code else None)


def attempt(step: Callable[[], T | None]) -> Fact[T]:
    """The step's value, or the `Error` it raised as a `Failed`."""
    try:
        return step()
    except Error as e:
        return failure(e)


def gather(
    inputs: Inputs,
    environ: Mapping[str, str],
    *,
    clients: Clients | None = None,
    now: Clock = utcnow,
) -> Facts:
    """Gather every fact the checks read, in dependency order, each once."""
    return _Gathering(environ, clients or default_clients(environ), now).run(inputs)


class _Gathering:
    def __init__(self, environ: Mapping[str, str], clients: Clients, now: Clock) -> None:
        self.environ = environ
        self.clients = clients
        self.now = now
        self.iam: Any = None  # the IAM client, once there are credentials

    def run(self, inputs: Inputs) -> Facts:
        facts = Facts(inputs=inputs, now=self.now(), environment=_environment(self.environ))
        if inputs.aws_auth_file is not None:
            facts = replace(facts, aws_auth=aws_auth_file(inputs.aws_auth_file))
        identity_env: Mapping[str, str] = self.environ
        request: Fact[ClusterRequest] = inputs.request
        if request is None or inputs.kubeconfig is not None or inputs.context is not None:
            kube = _read_kubeconfig(inputs, self.environ)
            facts = replace(facts, kubeconfig=kube)
            if request is None:
                request = kube.request
                identity_env = kube.environ
        facts = replace(facts, request=request)
        asked = got(request)
        if asked is not None:
            facts = replace(facts, resolved=attempt(lambda: identity.resolve(asked, identity_env)))
        resolved = got(facts.resolved)
        if resolved is not None:
            facts = self._aws(facts, resolved, identity_env)
        if facts.kubeconfig is None:
            facts = replace(facts, kubeconfig=_find_kubeconfig(facts, self.environ))
        facts = self._plugin(facts)
        facts = self._api(facts)
        return self._irsa(facts)

    def _aws(self, facts: Facts, res: Resolved, environ: Mapping[str, str]) -> Facts:
        from eks_tf_auth.aws import sts

        found = attempt(lambda: sts.find_credentials(res, environ))
        facts = replace(facts, credentials=found)
        creds = got(found)
        if creds is None:
            return facts
        c = creds.credentials
        caller = attempt(lambda: sts.caller_identity(self.clients.sts(res, c)))
        facts = replace(facts, caller=caller, caller_time=self.now())
        self.iam = _Once(self.clients.iam(res, c))
        facts = self._caller_role(facts)
        cluster_id = res.request.token_cluster
        minted = attempt(lambda: MintedToken(identity.mint_token(res, c, now=self.now), cluster_id))
        facts = replace(facts, token=minted)
        if res.request.cluster_name is None:
            return facts
        return self._cluster(facts, res, res.request.cluster_name, c)

    def _caller_role(self, facts: Facts) -> Facts:
        """The caller's role (an assumed role's, or a role's own): its path, id and creation
        date."""
        from eks_tf_auth.aws import iam as iam_module

        caller = got(facts.caller)
        name = role_of(caller.arn) if caller is not None else None
        if name is None:
            return facts
        return replace(
            facts, role=attempt(lambda: iam_module.get_role(self.iam, name) or _no_role(name))
        )

    def _cluster(self, facts: Facts, res: Resolved, name: str, creds: Credentials) -> Facts:
        from eks_tf_auth.aws import cluster_access
        from eks_tf_auth.aws import eks as eks_module

        eks = cast("EKSClient", _Once(self.clients.eks(res, creds)))
        cluster = attempt(
            lambda: ClusterFacts(
                eks_module.describe(eks, name, res.region),
                cluster_access.cluster_access(eks, name),
            )
        )
        facts = replace(facts, cluster=cluster)
        found = got(cluster)
        if found is None:
            return facts
        if facts.inputs.logs and found.access.authenticator_logs:
            from eks_tf_auth.aws import logs

            principals = _principals(facts)
            since = self.now() - LOGS_LOOKBACK
            lines = attempt(
                lambda: tuple(
                    logs.denied_lines(self.clients.logs(res, creds), name, principals, since=since)
                )
            )
            facts = replace(facts, logs=lines)
        mode = found.cluster.authentication_mode or CONFIG_MAP
        principal = principal_arn(facts)
        if mode != CONFIG_MAP and principal is not None:
            facts = replace(
                facts, access_entry=attempt(lambda: _access_entry(eks, name, principal))
            )
        return facts

    def _plugin(self, facts: Facts) -> Facts:
        kube = got(facts.kubeconfig)
        plugin = kube.context.user.exec if kube is not None else None
        if kube is None or plugin is None:
            return facts
        return replace(
            facts,
            kuberc=attempt(lambda: _kuberc(plugin.command, kube.environ)),
            plugin=attempt(lambda: _run_plugin(facts.inputs, kube, self.environ, self.now)),
        )

    def _api(self, facts: Facts) -> Facts:
        from eks_tf_auth.doctor import apiserver

        server = _server(facts, self.environ)
        if server is None:
            return facts
        facts = replace(
            facts, whoami=_review(attempt(lambda: apiserver.self_subject_review(server)))
        )
        if facts.aws_auth is None:
            name = _cluster_label(facts)
            read = attempt(lambda: _live_aws_auth(server, name, self.environ))
            facts = replace(facts, aws_auth=read)
        account = facts.inputs.service_account
        if account is not None:
            facts = replace(facts, service_account=_service_account(server, *account))
        return facts

    def _irsa(self, facts: Facts) -> Facts:
        """IRSA, when it is in play: the projected token file, the role (AWS_ROLE_ARN or the
        service account's annotation) and its trust policy, the cluster's OIDC provider."""
        from eks_tf_auth.aws import trust

        path = self.environ.get(WEB_IDENTITY_ENV)
        if path:
            facts = replace(facts, web_identity=read_web_identity(path))
        elif facts.inputs.service_account is None:
            return facts
        account = got(facts.service_account)
        annotated = (
            account.annotations.get(ROLE_ANNOTATION) if account and account.annotations else None
        )
        role_arn = self.environ.get(ROLE_ARN_ENV) or annotated
        facts = replace(facts, irsa_role_arn=role_arn)
        if self.iam is None:
            return facts
        if role_arn:
            name = role_of(role_arn) or role_arn
            found = attempt(lambda: trust.role_trust(self.iam, name) or _no_role(name))
            facts = replace(facts, irsa_role=found)
        cluster = got(facts.cluster)
        issuer = cluster.access.oidc_issuer if cluster else None
        if issuer:
            facts = replace(
                facts,
                oidc_provider=attempt(lambda: trust.oidc_provider(self.iam, issuer)),
                oidc_checked=True,
            )
        return facts


def _no_role(name: str) -> Any:
    from eks_tf_auth.errors import AwsError

    raise AwsError(f"IAM has no role {name!r}", hint="was it deleted, or is it in another account?")


def _access_entry(eks: Any, cluster: str, principal: str) -> AccessEntryFacts:
    from eks_tf_auth.aws import cluster_access
    from eks_tf_auth.aws import eks as eks_module

    entry = eks_module.describe_access_entry(eks, cluster, principal)
    if entry is None:
        return AccessEntryFacts(principal, None)
    return AccessEntryFacts(
        principal,
        entry,
        tuple(eks_module.list_associated_access_policies(eks, cluster, principal)),
        cluster_access.access_entry_created(eks, cluster, principal),
    )


def _principals(facts: Facts) -> list[str]:
    caller = got(facts.caller)
    canonical = principal_arn(facts)
    return [arn for arn in (caller.arn if caller else None, canonical) if arn]


def role_of(arn: str) -> str | None:
    """The role name of an assumed-role or role ARN; None for users and the like."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role" and "/" in rest:
        return rest.split("/")[0]
    if kind == "role" and rest:
        return rest.rsplit("/", 1)[-1]
    return None


def principal_arn(facts: Facts) -> str | None:
    """The IAM principal an access entry names: a role with its path (from IAM; without one when
    IAM could not be read), a user as it is."""
    caller = got(facts.caller)
    if caller is None:
        return None
    role = got(facts.role)
    if role is not None:
        return role.arn
    from eks_tf_auth.kube.aws_auth import canonical_arn

    try:
        return canonical_arn(caller.arn)
    except InputError:
        return caller.arn


# -- the Kubernetes side -----------------------------------------------------------------------


def _cluster_label(facts: Facts) -> str:
    request = got(facts.resolved)
    kube = got(facts.kubeconfig)
    if request is not None:
        return request.request.token_cluster
    return kube.context.name if kube is not None else "the cluster"


def _environment(environ: Mapping[str, str]) -> Environment:
    uri = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or None
    return Environment(
        present=tuple(name for name in REPORTED_ENV if environ.get(name)),
        profile=environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or None,
        container_uri=uri.split("?", 1)[0] if uri else None,
        path=environ.get("PATH", ""),
    )


def _read_kubeconfig(inputs: Inputs, environ: Mapping[str, str]) -> KubeconfigFacts:
    """The given kubeconfig context: a file that cannot be read, or names no such context, is an
    InputError (exit 2)."""
    from eks_tf_auth.kube import kubeconfig

    doc = kubeconfig.read(inputs.kubeconfig, environ)
    context = kubeconfig.select(doc, inputs.context)
    paths = (inputs.kubeconfig,) if inputs.kubeconfig else tuple(kubeconfig.default_paths(environ))
    return _context_facts(context, paths, environ, given=True)


def _find_kubeconfig(facts: Facts, environ: Mapping[str, str]) -> Fact[KubeconfigFacts]:
    """The context of kubectl's default kubeconfig whose exec block asks for the cluster, or
    whose server is its endpoint; None where there is none."""
    from eks_tf_auth.kube import kubeconfig

    request = got(facts.request)
    assert request is not None  # looked for only when --cluster-name was given
    cluster = got(facts.cluster)
    endpoint = cluster.cluster.endpoint if cluster else None
    if not any(os.path.exists(p) for p in kubeconfig.default_paths(environ)):
        return None
    try:
        doc = kubeconfig.read(None, environ)
    except InputError as e:
        return failure(e)
    names = [c.get("name") for c in doc.get("contexts") or [] if isinstance(c, dict)]
    current = doc.get("current-context")
    ordered = [current, *[n for n in names if n != current]] if current in names else names
    for name in ordered:
        if not isinstance(name, str):
            continue
        try:
            context = kubeconfig.select(doc, name)
        except InputError:
            continue
        found = _context_facts(
            context, tuple(kubeconfig.default_paths(environ)), environ, given=False
        )
        asked = got(found.request)
        same_name = asked is not None and asked.token_cluster == request.token_cluster
        if same_name or (endpoint and context.cluster.server.rstrip("/") == endpoint.rstrip("/")):
            return found
    return None


def _context_facts(
    context: Context, paths: tuple[str, ...], environ: Mapping[str, str], *, given: bool
) -> KubeconfigFacts:
    plugin = context.user.exec
    env = {**environ, **dict(plugin.env)} if plugin else dict(environ)
    return KubeconfigFacts(
        paths=paths,
        context=context,
        given=given,
        request=attempt(lambda: exec_request(context, env)),
        command_path=shutil.which(plugin.command, path=env.get("PATH")) if plugin else None,
        environ=env,
    )


def exec_request(context: Context, environ: Mapping[str, str]) -> ClusterRequest | None:
    """The cluster and identity an exec block asks eks-tf-auth, the AWS CLI,
    aws-iam-authenticator or eks-auth for (as kubectl runs it: with its env, and the cluster when
    provideClusterInfo is set); None for another plugin, or a user with no exec block."""
    from eks_tf_auth.exec import protocol, shapes
    from eks_tf_auth.identity import ClusterRequest

    plugin = context.user.exec
    if plugin is None:
        return None
    command = os.path.basename(plugin.command)
    args = list(plugin.args)
    if command.startswith("eks-tf-auth"):
        translated = shapes.translate(args, environ) or args
    elif command.startswith(("aws", "eks-auth")):
        translated = shapes.translate(args, environ) or []
    else:
        return None
    if translated[:1] != ["exec"]:
        return None
    options = _exec_options(translated[1:])
    request = ClusterRequest(
        cluster_name=options.get("--cluster-name"),
        cluster_id=options.get("--cluster-id"),
        region=options.get("--region"),
        profile=options.get("--profile"),
        role_arn=options.get("--role-arn") or options.get("--role"),
        external_id=options.get("--external-id"),
        session_name=options.get("--session-name"),
    )
    cluster = context.cluster
    info = protocol.ExecInfo(
        plugin.api_version,
        cluster.server if plugin.provide_cluster_info else None,
        cluster.exec_config or {} if plugin.provide_cluster_info else {},
    )
    return protocol.complete(request, info)


def _exec_options(args: list[str]) -> dict[str, str]:
    """`exec`'s options and their values (`--name VALUE` or `--name=VALUE`); switches dropped."""
    found: dict[str, str] = {}
    items = iter(args)
    for arg in items:
        name, eq, value = arg.partition("=")
        if not name.startswith("--") or name in EXEC_SWITCHES:
            continue
        if not eq:
            following = next(items, None)
            if following is None:
                break
            value = following
        found[name] = value
    return found


def _kuberc(command: str, environ: Mapping[str, str]) -> KubercFacts:
    from eks_tf_auth.kube import kuberc

    found = kuberc.read(environ)
    if found is None:
        return KubercFacts(None, None, None)
    blocked = kuberc.blocks(found, command, environ)
    return KubercFacts(found.path, blocked, kuberc.fix(found, command) if blocked else None)


def _run_plugin(
    inputs: Inputs, kube: KubeconfigFacts, environ: Mapping[str, str], now: Clock
) -> PluginFacts:
    """The context's exec plugin, run as client-go runs it (KUBERNETES_EXEC_INFO, its env and
    args)."""
    from eks_tf_auth.kube import client

    name = kube.context.name
    target = client.kubeconfig_target(inputs.kubeconfig, name, environ=environ)
    assert target.token is not None  # an exec user always has one
    credential = target.token(now)
    return PluginFacts(credential.token, credential.refresh_at)


def _server(facts: Facts, environ: Mapping[str, str]) -> Server | None:
    """The API server to ask, with the token to ask with: the kubeconfig's server and its exec
    plugin's token when a kubeconfig was given, else the cluster's endpoint and the token minted
    here. None when there is neither."""
    kube = got(facts.kubeconfig)
    cluster = got(facts.cluster)
    if kube is not None and kube.given:
        plugin = got(facts.plugin)
        if plugin is None:
            return None
        url, ca = kube.context.cluster.server, _kube_ca(kube.context)
        token = plugin.token
    else:
        minted = got(facts.token)
        if cluster is None or minted is None or not cluster.cluster.endpoint:
            return None
        url, ca = cluster.cluster.endpoint, _pem(cluster.cluster.certificate_authority_data)
        token = minted.token.value
    connect, read = _kube_timeouts(environ)
    return Server(url, ca, token, connect, read)


def _kube_ca(context: Context) -> str | None:
    cluster = context.cluster
    if cluster.ca_data:
        return _pem(cluster.ca_data)
    if cluster.ca_file:
        with contextlib.suppress(OSError), open(cluster.ca_file, encoding="ascii") as f:
            return f.read(1024 * 1024)
    return None


def _pem(data: str) -> str | None:
    try:
        return base64.b64decode(data, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return None


def _kube_timeouts(environ: Mapping[str, str]) -> tuple[float, float]:
    from eks_tf_auth.validate import seconds

    bounds = {
        "EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT": (5.0, "connecting to the Kubernetes API server"),
        "EKS_TF_AUTH_KUBE_READ_TIMEOUT": (30.0, "each answer of the Kubernetes API server"),
    }
    return (
        seconds(environ, "EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT", bounds),
        seconds(environ, "EKS_TF_AUTH_KUBE_READ_TIMEOUT", bounds),
    )


def _review(answer: Fact[Answer]) -> Fact[Review]:
    """A SelfSubjectReview's answer as a fact: the user, or the refusal with its HTTP status."""
    if not isinstance(answer, Answer):
        return answer
    if answer.status not in (200, 201):
        return refused(answer, "the API server refused the SelfSubjectReview")
    info = answer.body.get("status", {}).get("userInfo", {})
    if not isinstance(info, dict) or not isinstance(info.get("username"), str):
        return Failed("the SelfSubjectReview's answer names no user")
    extra = info.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    return Review(
        username=info["username"],
        groups=tuple(str(g) for g in info.get("groups") or []),
        extra={str(k): tuple(str(v) for v in vs or []) for k, vs in extra.items()},
    )


def refused(answer: Answer, what: str) -> Failed:
    return Failed(f"{what}: {answer.status} {answer.message}", None, str(answer.status))


def _live_aws_auth(server: Server, name: str, environ: Mapping[str, str]) -> AwsAuthFacts:
    """kube-system/aws-auth, read with the same token (through kube.client's ConfigMaps)."""
    from eks_tf_auth import aws_auth
    from eks_tf_auth.kube import client

    token = server.token
    target = client.Target(
        name=name,
        server=server.url,
        ca_pem=server.ca_pem,
        token=lambda clock: client.Credential(token, None),
    )
    with aws_auth.connected(target, None, (), environ) as source:
        found = source.read()
    return AwsAuthFacts("cluster", found[0] if found else None)


def aws_auth_file(path: str) -> AwsAuthFacts:
    """An aws-auth manifest (as `kubectl get cm aws-auth -n kube-system -o yaml` prints it); one
    that cannot be read is an InputError."""
    from eks_tf_auth.aws_auth import FileTarget

    data, _ = FileTarget(path).read()
    return AwsAuthFacts(path, data)


def _service_account(server: Server, namespace: str, name: str) -> Fact[ServiceAccount]:
    from eks_tf_auth.doctor import apiserver

    answer = attempt(lambda: apiserver.service_account(server, namespace, name))
    if not isinstance(answer, Answer):
        return answer
    if answer.status == 404:
        return ServiceAccount(namespace, name, None)
    if answer.status != 200:
        return refused(answer, f"cannot read service account {namespace}/{name}")
    annotations = answer.body.get("metadata", {}).get("annotations") or {}
    return ServiceAccount(namespace, name, {str(k): str(v) for k, v in dict(annotations).items()})


# -- IRSA --------------------------------------------------------------------------------------


def read_web_identity(path: str) -> WebIdentity:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_JWT)
    except OSError as e:
        return WebIdentity(path, None, f"cannot read {path}: {e.strerror}")
    return WebIdentity(path, decode_jwt(raw.decode("utf-8", "replace").strip()))


def decode_jwt(text: str) -> Claims | None:
    """The claims of a JWT, decoded without verifying it; None when it is not one."""
    parts = text.split(".")
    if len(parts) != 3:
        return None
    try:
        body = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(body)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    aud = claims.get("aud")
    audiences = (aud,) if isinstance(aud, str) else tuple(str(a) for a in aud or [])
    exp = claims.get("exp")
    return Claims(
        issuer=claims.get("iss") if isinstance(claims.get("iss"), str) else None,
        audiences=audiences,
        subject=claims.get("sub") if isinstance(claims.get("sub"), str) else None,
        expires=datetime.fromtimestamp(exp, timezone.utc) if isinstance(exp, int) else None,
    )


class _Once:
    """A client whose calls are made once per arguments, so that two readers of one fact
    (`aws.eks.describe` and `aws.cluster_access`, `aws.iam.get_role` and `aws.trust`) cost one
    request. Anything else (exceptions, meta, paginators) is the client's own."""

    _CACHED = frozenset(
        {"describe_cluster", "describe_access_entry", "get_role", "list_open_id_connect_providers"}
    )

    def __init__(self, client: Any) -> None:
        self._client = client
        self._answers: dict[tuple[str, str], tuple[bool, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name not in self._CACHED:
            return method

        def call(**kwargs: Any) -> Any:
            key = (name, json.dumps(kwargs, sort_keys=True, default=str))
            if key not in self._answers:
                try:
                    self._answers[key] = (True, method(**kwargs))
                except Exception as e:
                    self._answers[key] = (False, e)
            ok, answer = self._answers[key]
            if ok:
                return answer
            raise answer

        return call
