"""Each check's findings and fixes, on facts made by hand (tests/doctor/synthetic.py): fast, no
I/O. The scenarios (test_scenarios.py) run the same checks on facts gathered from real pieces."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from eks_tf_auth import identity
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.aws.eks import AccessEntry, AssociatedPolicy
from eks_tf_auth.aws.iam import Role
from eks_tf_auth.aws.logs import LogLine
from eks_tf_auth.aws.sts import Caller, Found
from eks_tf_auth.aws.trust import OidcProvider, RoleTrust
from eks_tf_auth.doctor import run
from eks_tf_auth.doctor.facts import (
    AccessEntryFacts,
    AwsAuthFacts,
    Claims,
    Environment,
    Failed,
    Inputs,
    KubeconfigFacts,
    KubercFacts,
    MintedToken,
    PluginFacts,
    ServiceAccount,
    WebIdentity,
)
from eks_tf_auth.doctor.model import Status
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.kube import kubeconfig
from eks_tf_auth.token import Token
from tests.doctor.synthetic import (
    CA,
    CALLER,
    CANONICAL,
    CLUSTER,
    CREDENTIALS,
    ENDPOINT,
    ENV,
    ISSUER,
    NOW,
    REGION,
    REQUEST,
    ROLE_ARN,
    check,
    cluster,
    healthy,
    unresolved,
)

V1 = "client.authentication.k8s.io/v1"
ISSUER_HOST = ISSUER.removeprefix("https://")
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER_HOST}"
SA = ("apps", "app")


def assert_check(
    facts: Any, name: str, status: Status, finding: str, fix: str | None = None
) -> None:
    found = check(facts, name)
    assert found.status is status, found
    assert finding in found.finding, found.finding
    if fix is not None:
        assert found.fix is not None and fix in found.fix, found.fix


# -- credentials --------------------------------------------------------------------------------


def test_credentials_without_a_cluster_are_skipped() -> None:
    facts = healthy(request=None, resolved=None, credentials=None, caller=None, token=None)
    assert_check(facts, "credentials", Status.SKIP, "no cluster to diagnose")
    assert_check(facts, "identity", Status.SKIP, "needs credentials, which was skipped")


def test_credentials_when_the_exec_block_names_no_cluster() -> None:
    facts = healthy(request=Failed("no cluster given", None), resolved=None, credentials=None)
    assert_check(
        facts, "credentials", Status.FAIL, "cannot tell the cluster", "give --cluster-name"
    )


def test_credentials_when_no_region_resolves() -> None:
    facts = healthy(resolved=Failed("no region given", "pass --region"), credentials=None)
    assert_check(facts, "credentials", Status.FAIL, "no region given", "pass --region")
    facts = healthy(resolved=Failed("no region given"), credentials=None)
    assert_check(facts, "credentials", Status.FAIL, "no region given", "see --help")


@pytest.mark.parametrize(
    ("message", "finding", "fix"),
    [
        (
            "cannot get AWS credentials from web identity: An error occurred "
            "(InvalidIdentityToken): No OpenIDConnect provider found in your account for "
            "https://oidc.eks.us-west-2.amazonaws.com/id/X",
            "no IAM OIDC provider for the cluster's issuer",
            "eksctl utils associate-iam-oidc-provider --cluster prod",
        ),
        ("InvalidIdentityToken: Incorrect token audience", "audience", "client ids"),
        (
            "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "trust policy",
            "irsa-trust",
        ),
        ("ExpiredTokenException: Token expired: current date/time", "has expired", "restart"),
    ],
)
def test_web_identity_messages_are_mapped_to_their_causes(
    message: str, finding: str, fix: str
) -> None:
    facts = healthy(credentials=Failed(message, None, "InvalidIdentityToken"))
    assert_check(facts, "credentials", Status.FAIL, finding, fix)


def test_a_cause_without_a_resolved_cluster_names_a_placeholder() -> None:
    facts = healthy(resolved=None, credentials=Failed("No OpenIDConnect provider found"))
    found = check(facts, "credentials")
    assert found.fix is not None and "--cluster CLUSTER" in found.fix


def test_no_credentials_in_a_pod_points_at_the_annotation() -> None:
    facts = healthy(
        inputs=Inputs(request=REQUEST, service_account=SA),
        credentials=Failed("no AWS credentials found", "set AWS_PROFILE"),
    )
    assert_check(facts, "credentials", Status.FAIL, "gives none", "eks.amazonaws.com/role-arn")
    facts = healthy(credentials=Failed("no AWS credentials found", "set AWS_PROFILE"))
    assert_check(facts, "credentials", Status.FAIL, "no AWS credentials found", "set AWS_PROFILE")
    facts = healthy(credentials=Failed("something else"))
    assert_check(facts, "credentials", Status.FAIL, "something else", "aws configure list")


def test_expired_credentials() -> None:
    expired = replace(CREDENTIALS, expires_at=NOW - timedelta(minutes=1))
    facts = healthy(credentials=Found(expired, "sso", expired.expires_at))
    assert_check(facts, "credentials", Status.FAIL, "expired at", "aws sso login")


def test_environment_keys_overriding_the_profile() -> None:
    env = Environment(present=("AWS_PROFILE",), profile="admin", container_uri=None, path="")
    assert_check(healthy(environment=env), "credentials", Status.WARN, "AWS_PROFILE=admin")
    profiled = ClusterRequest(cluster_name=CLUSTER, region=REGION, profile="admin")
    resolved = replace(identity.resolve(REQUEST, ENV), request=profiled)
    facts = healthy(environment=env, resolved=resolved)
    assert check(facts, "credentials").status is Status.PASS


@pytest.mark.parametrize(
    ("method", "uri", "described"),
    [
        ("container-role", "http://169.254.170.23/v1/credentials", "EKS Pod Identity"),
        ("container-role", "http://127.0.0.1:8080/creds", "container credentials endpoint"),
        ("sso", None, "AWS SSO (IAM Identity Center) of profile default"),
        ("something-new", None, "botocore's something-new provider"),
    ],
)
def test_credential_sources_are_named(method: str, uri: str | None, described: str) -> None:
    env = Environment(present=(), profile=None, container_uri=uri, path="")
    expiring = replace(CREDENTIALS, expires_at=NOW + timedelta(hours=1))
    facts = healthy(environment=env, credentials=Found(expiring, method, expiring.expires_at))
    assert_check(facts, "credentials", Status.PASS, described)
    assert "until 2025-06-01T13:00:00Z" in check(facts, "credentials").finding


def test_long_term_keys_and_an_assumed_role() -> None:
    keys = Credentials("AKIAEXAMPLE", "secret")
    assert_check(
        healthy(credentials=Found(keys, "env", None)), "credentials", Status.PASS, "long-term"
    )
    assumed = Found(CREDENTIALS, "env", None, ROLE_ARN)
    assert_check(
        healthy(credentials=assumed), "credentials", Status.PASS, f"{ROLE_ARN}, assumed with"
    )


# -- identity -----------------------------------------------------------------------------------


def test_identity_failures_say_what_the_code_means() -> None:
    facts = healthy(
        caller=Failed(
            "sts:GetCallerIdentity failed: InvalidClientTokenId: x", None, "InvalidClientTokenId"
        )
    )
    assert_check(
        facts, "identity", Status.FAIL, "AWS does not know the access key", "list-access-keys"
    )
    assert check(facts, "token").status is Status.PASS  # minted all the same
    facts = healthy(caller=Failed("boom", "a hint", "Throttling"))
    assert_check(facts, "identity", Status.FAIL, "boom", "a hint")
    facts = healthy(caller=Failed("boom"))
    assert_check(facts, "identity", Status.FAIL, "boom", "check the credentials")


def test_a_role_iam_will_not_describe() -> None:
    facts = healthy(role=Failed("denied", None, "AccessDenied"))
    assert_check(facts, "identity", Status.WARN, "its path is unknown", "iam:GetRole")
    facts = healthy(role=Failed("denied"))
    assert_check(facts, "identity", Status.WARN, "(denied)")


def test_identity_of_a_role_without_a_path_and_of_a_user() -> None:
    plain = Role("deployer", CANONICAL, "/", "AROA", NOW)
    assert_check(healthy(role=plain), "identity", Status.PASS, f"{CALLER}, mapped as {CANONICAL}")
    user = "arn:aws:iam::111122223333:user/alice"
    facts = healthy(caller=Caller(user, "111122223333", "AIDA", NOW), role=None)
    found = check(facts, "identity")
    assert found.status is Status.PASS and found.finding == user


# -- token and clock ----------------------------------------------------------------------------


def test_a_token_that_could_not_be_minted() -> None:
    facts = healthy(token=Failed("the AWS credentials have expired", "refresh them"))
    assert_check(facts, "token", Status.FAIL, "have expired", "refresh them")
    assert_check(healthy(token=Failed("x")), "token", Status.FAIL, "x", "see the credentials check")
    assert_check(healthy(token=None), "token", Status.SKIP, "no token")


def test_a_token_for_a_custom_sts_endpoint() -> None:
    env = {**ENV, "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"}
    resolved = identity.resolve(REQUEST, env)
    token = identity.mint_token(resolved, CREDENTIALS, now=lambda: NOW)
    facts = healthy(resolved=resolved, token=MintedToken(token, CLUSTER))
    assert_check(
        facts,
        "token",
        Status.FAIL,
        "127.0.0.1:5000, which EKS does not accept",
        "AWS_ENDPOINT_URL_STS",
    )


def test_a_token_over_the_limit() -> None:
    resolved = identity.resolve(REQUEST, ENV)
    long = replace(CREDENTIALS, session_token="A" * 4000)
    token = identity.mint_token(resolved, long, now=lambda: NOW)
    facts = healthy(token=MintedToken(token, CLUSTER), credentials=Found(long, "env", None))
    assert_check(facts, "token", Status.FAIL, "over 4096", "fewer session tags")


@pytest.mark.parametrize(
    ("skew", "status", "finding"),
    [
        (timedelta(minutes=16), Status.FAIL, "ahead of AWS: EKS refuses every token"),
        (timedelta(minutes=-16), Status.FAIL, "behind AWS: EKS refuses every token"),
        (timedelta(minutes=-6), Status.FAIL, "tokens die about 5 minutes"),
        (timedelta(minutes=-2), Status.WARN, "120 s behind AWS"),
        (timedelta(minutes=6), Status.WARN, "360 s ahead of AWS"),
        (timedelta(seconds=3), Status.PASS, "within 3 s of AWS"),
        (timedelta(0), Status.PASS, "within 1 s of AWS"),
    ],
)
def test_clock_skew(skew: timedelta, status: Status, finding: str) -> None:
    facts = healthy(caller_time=NOW + skew)
    assert_check(facts, "clock", status, finding)


def test_an_answer_without_a_date() -> None:
    facts = healthy(caller=Caller(CALLER, "111122223333", "AROA", None))
    assert_check(facts, "clock", Status.SKIP, "no Date header")


# -- cluster and logs ---------------------------------------------------------------------------


def test_cluster_failures() -> None:
    facts = healthy(cluster=Failed("cluster 'prod' in us-west-2 not found"))
    assert_check(
        facts, "cluster", Status.FAIL, "not found", "aws eks list-clusters --region us-west-2"
    )
    facts = healthy(cluster=Failed("AccessDeniedException: no", None, "AccessDeniedException"))
    assert_check(facts, "cluster", Status.FAIL, "AccessDenied", "eks:DescribeCluster")
    facts = healthy(cluster=Failed("throttled", "slow down"))
    assert_check(facts, "cluster", Status.FAIL, "throttled", "slow down")
    for later in ("logs", "access-entry", "aws-auth", "mapping"):
        assert check(facts, later).status is Status.SKIP


def test_a_cluster_named_by_an_outposts_id_alone_is_not_described() -> None:
    request = ClusterRequest(cluster_id="0123-4567", region=REGION)
    facts = healthy(resolved=identity.resolve(request, ENV), cluster=None)
    assert_check(facts, "cluster", Status.SKIP, "Outposts id")


@pytest.mark.parametrize(
    ("changes", "status", "finding", "fix"),
    [
        ({"status": "CREATING"}, Status.FAIL, "is CREATING", "wait until it is ACTIVE"),
        ({"status": "FAILED"}, Status.FAIL, "is FAILED", "use a cluster that is ACTIVE"),
        ({"endpoint": ""}, Status.FAIL, "has no API server", "use a cluster"),
        ({"status": "UPDATING"}, Status.WARN, "an update is running", "retry"),
        ({"endpoint_private": False}, Status.PASS, "endpoint public", None),
        ({"endpoint_public": False}, Status.PASS, "endpoint private only", None),
        ({"authentication_mode": None, "version": None}, Status.PASS, "Kubernetes ? ", None),
    ],
)
def test_cluster_states(
    changes: dict[str, Any], status: Status, finding: str, fix: str | None
) -> None:
    assert_check(healthy(cluster=cluster(**changes)), "cluster", status, finding, fix)


def test_logs() -> None:
    facts = healthy(logs=Failed("AccessDeniedException: no"))
    assert_check(facts, "logs", Status.WARN, "cannot be read", "logs:FilterLogEvents")
    facts = healthy(logs=Failed("no", "a hint"))
    assert_check(facts, "logs", Status.WARN, "cannot be read", "a hint")
    assert_check(healthy(logs=()), "logs", Status.PASS, "no 'access denied'")
    line = LogLine(NOW, 'msg="access denied" error="ARN is not mapped"')
    assert_check(healthy(logs=(line,)), "logs", Status.WARN, "12:00:00Z", "mapping")


# -- access entries, aws-auth, the verdict ------------------------------------------------------

ENTRY = AccessEntry(ROLE_ARN, "STANDARD", CALLER, ())


def entry_facts(**changes: Any) -> AccessEntryFacts:
    base = AccessEntryFacts(
        ROLE_ARN,
        ENTRY,
        (AssociatedPolicy("arn:aws:eks::aws:x/AmazonEKSViewPolicy", "cluster"),),
        NOW,
    )
    return replace(base, **changes)


def test_access_entries_in_each_mode() -> None:
    config_map = cluster(authentication_mode="CONFIG_MAP")
    assert_check(
        healthy(cluster=config_map), "access-entry", Status.SKIP, "reads no access entries"
    )
    both = cluster(authentication_mode="API_AND_CONFIG_MAP")
    facts = healthy(cluster=both, access_entry=entry_facts(entry=None, policies=()))
    assert_check(facts, "access-entry", Status.SKIP, "reads aws-auth too")


def test_access_entries_that_cannot_be_read() -> None:
    facts = healthy(access_entry=Failed("AccessDeniedException: no", None, "AccessDeniedException"))
    assert_check(facts, "access-entry", Status.WARN, "cannot read", "eks:DescribeAccessEntry")
    facts = healthy(access_entry=Failed("no", "a hint"))
    assert_check(facts, "access-entry", Status.WARN, "cannot read", "a hint")
    assert check(facts, "mapping").status is Status.PASS  # the API server accepted it
    facts = healthy(access_entry=Failed("no"), whoami=None)
    assert_check(facts, "mapping", Status.WARN, "the access entries could not be read")


def test_access_entry_shapes() -> None:
    node = entry_facts(entry=replace(ENTRY, type="EC2_LINUX"))
    assert_check(healthy(access_entry=node), "access-entry", Status.WARN, "type EC2_LINUX")
    scoped = entry_facts(
        entry=replace(ENTRY, kubernetes_groups=("deployers",), username=None),
        policies=(AssociatedPolicy("arn:x/AmazonEKSEditPolicy", "namespace", ("a", "b")),),
        created=None,
    )
    found = check(healthy(access_entry=scoped), "access-entry")
    assert found.status is Status.PASS
    assert (
        "username (default), groups deployers, policies AmazonEKSEditPolicy (a, b)" in found.finding
    )
    grouped = entry_facts(entry=replace(ENTRY, kubernetes_groups=("g",)), policies=())
    assert_check(healthy(access_entry=grouped), "access-entry", Status.PASS, "policies none")


def test_a_role_created_after_its_entry_without_a_known_creation_time() -> None:
    facts = healthy(access_entry=entry_facts(created=NOW - timedelta(days=60)))
    assert_check(facts, "access-entry", Status.FAIL, "after its access entry")
    facts = healthy(role=None, access_entry=entry_facts(created=NOW - timedelta(days=60)))
    assert check(facts, "access-entry").status is Status.PASS


def aws_auth(map_roles: str = "", map_users: str = "", **extra: str) -> AwsAuthFacts:
    data = {k: v for k, v in {"mapRoles": map_roles, "mapUsers": map_users, **extra}.items() if v}
    return AwsAuthFacts("cluster", data)


def test_aws_auth_that_was_not_read() -> None:
    assert_check(healthy(aws_auth=None), "aws-auth", Status.SKIP, "--aws-auth FILE")
    facts = healthy(aws_auth=Failed("401 Unauthorized"))
    assert_check(facts, "aws-auth", Status.SKIP, "mode API does not read aws-auth")
    facts = healthy(
        aws_auth=Failed("401 Unauthorized"), cluster=cluster(authentication_mode="CONFIG_MAP")
    )
    assert_check(facts, "aws-auth", Status.WARN, "cannot read aws-auth", "--aws-auth aws-auth.yaml")


def mapping_of(arn: str, groups: str = "[system:masters]", username: str = "ci") -> str:
    return f"- rolearn: {arn}\n  username: {username}\n  groups: {groups}\n"


CONFIG_MAP = cluster(authentication_mode="CONFIG_MAP")
BOTH = cluster(authentication_mode="API_AND_CONFIG_MAP")


def test_aws_auth_matches() -> None:
    found = aws_auth(mapping_of(CANONICAL))
    facts = healthy(cluster=CONFIG_MAP, aws_auth=found, access_entry=None)
    assert_check(facts, "aws-auth", Status.PASS, "mapRoles line 1 maps", None)
    assert_check(facts, "mapping", Status.PASS, "mapped by aws-auth (mode CONFIG_MAP)")
    assert_check(
        healthy(aws_auth=found), "aws-auth", Status.WARN, "mode API does not read aws-auth"
    )
    facts = healthy(cluster=BOTH, aws_auth=found)
    assert_check(facts, "aws-auth", Status.WARN, "shadows it")


def test_aws_auth_entries_with_problems() -> None:
    empty_name = healthy(
        cluster=CONFIG_MAP,
        aws_auth=aws_auth(mapping_of(CANONICAL, username='""')),
        access_entry=None,
    )
    assert_check(empty_name, "aws-auth", Status.WARN, "but ", "fix that line")
    no_groups = healthy(
        cluster=CONFIG_MAP, aws_auth=aws_auth(mapping_of(CANONICAL, "[]")), access_entry=None
    )
    assert_check(no_groups, "aws-auth", Status.WARN, "403, not 401", "--maproles --rolearn")
    path = healthy(cluster=CONFIG_MAP, aws_auth=aws_auth(mapping_of(ROLE_ARN)), access_entry=None)
    assert_check(path, "aws-auth", Status.FAIL, "never matches", f"exactly as {CANONICAL}")
    session = "arn:aws:sts::111122223333:assumed-role/deployer/session"
    assumed = healthy(cluster=CONFIG_MAP, aws_auth=aws_auth(mapping_of(session)), access_entry=None)
    assert_check(assumed, "aws-auth", Status.FAIL, "assumed-role")
    broken = healthy(
        cluster=CONFIG_MAP, aws_auth=aws_auth("- rolearn: [unclosed\n"), access_entry=None
    )
    assert_check(broken, "aws-auth", Status.FAIL, "EKS cannot read mapRoles", "aws-auth validate")


def test_aws_auth_by_account_and_no_mapping() -> None:
    accounts = AwsAuthFacts("cluster", {"mapAccounts": "- '111122223333'\n"})
    facts = healthy(cluster=CONFIG_MAP, aws_auth=accounts, access_entry=None)
    assert_check(facts, "aws-auth", Status.PASS, "mapAccounts")
    other = aws_auth(
        mapping_of("arn:aws:iam::111122223333:role/other")
        + mapping_of("not-an-arn")
        + mapping_of("arn:aws:iam::111122223333:root"),
        "- userarn: bad\n",
    )
    assert_check(healthy(aws_auth=other), "aws-auth", Status.SKIP, "does not map")
    assert_check(
        healthy(cluster=BOTH, aws_auth=other), "aws-auth", Status.PASS, "its access entry does"
    )
    facts = healthy(
        cluster=CONFIG_MAP, aws_auth=other, access_entry=None, whoami=Failed("401", None, "401")
    )
    assert_check(facts, "aws-auth", Status.FAIL, "does not map", "--maproles --rolearn")
    assert_check(
        facts, "mapping", Status.FAIL, "mode CONFIG_MAP reads nothing else", "aws-auth upsert"
    )
    user = "arn:aws:iam::111122223333:user/alice"
    facts = replace(facts, caller=Caller(user, "111122223333", "AIDA", NOW), role=None)
    assert_check(facts, "aws-auth", Status.FAIL, "does not map", "--mapusers --userarn")
    assert_check(facts, "mapping", Status.FAIL, "is not in aws-auth", "--mapusers")
    file = AwsAuthFacts("/tmp/aws-auth.yaml", {"mapRoles": mapping_of(ROLE_ARN)})
    facts = healthy(cluster=CONFIG_MAP, aws_auth=file, access_entry=None)
    assert_check(facts, "aws-auth", Status.FAIL, "aws-auth (/tmp/aws-auth.yaml) mapRoles line 1")


def test_mapping_verdicts() -> None:
    unmapped = {"access_entry": entry_facts(entry=None), "whoami": Failed("401", None, "401")}
    assert_check(
        healthy(**unmapped),
        "mapping",
        Status.FAIL,
        "mode API reads nothing else",
        "create-access-entry",
    )
    facts = healthy(cluster=BOTH, aws_auth=aws_auth(), **unmapped)
    assert_check(facts, "mapping", Status.FAIL, "in neither an access entry nor aws-auth")
    facts = healthy(
        cluster=BOTH, aws_auth=aws_auth(mapping_of(CANONICAL)), access_entry=entry_facts(entry=None)
    )
    assert_check(facts, "mapping", Status.PASS, "mapped by aws-auth (mode API_AND_CONFIG_MAP)")
    creator = healthy(cluster=CONFIG_MAP, aws_auth=aws_auth(), access_entry=None)
    assert_check(creator, "mapping", Status.PASS, "the cluster's creator")
    unknown = healthy(cluster=CONFIG_MAP, aws_auth=Failed("403"), access_entry=None)
    assert_check(unknown, "mapping", Status.PASS, "though where it is mapped could not be read")
    facts = replace(unknown, whoami=None)
    assert_check(facts, "mapping", Status.WARN, "the aws-auth ConfigMap could not be read")
    facts = replace(unknown, whoami=Failed("401", None, "401"))
    assert_check(facts, "mapping", Status.FAIL, "mode CONFIG_MAP reads nothing else")


# -- kubeconfig, kuberc, the exec plugin --------------------------------------------------------


def context(
    user: dict[str, Any] | None = None,
    *,
    block: dict[str, Any] | None = None,
    server: str = ENDPOINT,
    ca: str | None = CA,
) -> kubeconfig.Context:
    exec_block = {"apiVersion": V1, "command": "eks-tf-auth", "args": ["exec"], **(block or {})}
    cluster_body: dict[str, Any] = {"server": server}
    if ca:
        cluster_body["certificate-authority-data"] = ca
    doc = {
        "current-context": "c",
        "clusters": [{"name": "k", "cluster": cluster_body}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "users": [{"name": "u", "user": user if user is not None else {"exec": exec_block}}],
    }
    return kubeconfig.select(doc)


def kube(ctx: kubeconfig.Context | None = None, **changes: Any) -> KubeconfigFacts:
    base = KubeconfigFacts(
        paths=("/home/u/.kube/config",),
        context=ctx or context(),
        given=False,
        request=REQUEST,
        command_path="/usr/bin/eks-tf-auth",
    )
    return replace(base, **changes)


def test_kubeconfig_absent_or_unreadable() -> None:
    assert_check(healthy(), "kubeconfig", Status.SKIP, "no kubeconfig context")
    facts = healthy(kubeconfig=Failed("bad yaml", None))
    assert_check(facts, "kubeconfig", Status.WARN, "bad yaml", "fix the file")
    assert check(facts, "kuberc").status is Status.SKIP


@pytest.mark.parametrize(
    ("user", "how"),
    [
        ({"token": "t"}, "a static token"),
        ({"tokenFile": "/t"}, "a token file"),
        ({"client-certificate-data": "x"}, "client-certificate-data"),
        ({}, "nothing"),
    ],
)
def test_kubeconfig_users_without_exec(user: dict[str, Any], how: str) -> None:
    facts = healthy(kubeconfig=kube(context(user)))
    assert_check(facts, "kubeconfig", Status.WARN, f"authenticates with {how}", "render kubeconfig")
    assert_check(facts, "kuberc", Status.SKIP, "no exec plugin")
    assert_check(facts, "exec-plugin", Status.SKIP, "no exec plugin")


@pytest.mark.parametrize(
    ("changes", "status", "finding", "fix"),
    [
        (
            {"block": {"apiVersion": "client.authentication.k8s.io/v1alpha1"}},
            Status.FAIL,
            "v1alpha1",
            "apiVersion: client.authentication.k8s.io/v1",
        ),
        ({"block": {"apiVersion": "x/v9"}}, Status.FAIL, "does not speak", "apiVersion"),
        ({"block": {"interactiveMode": "Always"}}, Status.WARN, "interactiveMode: Always", "Never"),
        (
            {"server": "https://OTHER.gr7.us-west-2.eks.amazonaws.com"},
            Status.FAIL,
            "is not cluster prod's endpoint",
            "render kubeconfig --cluster-name prod",
        ),
        ({"ca": "bm90IHRoZSBDQQ=="}, Status.FAIL, "not the cluster's current CA", None),
        ({"ca": "%%%"}, Status.FAIL, "not the cluster's current CA", None),
        ({"ca": None}, Status.PASS, "runs /usr/bin/eks-tf-auth for cluster prod", None),
    ],
)
def test_kubeconfig_exec_blocks(
    changes: dict[str, Any], status: Status, finding: str, fix: str | None
) -> None:
    assert_check(healthy(kubeconfig=kube(context(**changes))), "kubeconfig", status, finding, fix)


def test_kubeconfig_exec_command_and_arguments() -> None:
    facts = healthy(kubeconfig=kube(command_path=None))
    assert_check(facts, "kubeconfig", Status.FAIL, "not on PATH", "install it")
    hinted = kube(context(block={"installHint": "brew install eks-tf-auth"}), command_path=None)
    assert_check(
        healthy(kubeconfig=hinted), "kubeconfig", Status.FAIL, "not on PATH", "brew install"
    )
    facts = healthy(kubeconfig=kube(request=Failed("no cluster given", None)))
    assert_check(facts, "kubeconfig", Status.FAIL, "asks for no usable token", "render kubeconfig")
    facts = healthy(kubeconfig=kube(request=Failed("unknown option --x", "drop it")))
    assert_check(facts, "kubeconfig", Status.FAIL, "unknown option", "drop it")
    facts = healthy(kubeconfig=kube(request=None))
    assert_check(facts, "kubeconfig", Status.PASS, "runs /usr/bin/eks-tf-auth (")
    staging = ClusterRequest(cluster_name="staging", region=REGION)
    assert_check(
        healthy(kubeconfig=kube(request=staging)),
        "kubeconfig",
        Status.FAIL,
        "cluster staging, not prod",
    )
    eu = ClusterRequest(cluster_name=CLUSTER, region="eu-west-1")
    assert_check(
        healthy(kubeconfig=kube(request=eu)),
        "kubeconfig",
        Status.FAIL,
        "region eu-west-1, but the server is in us-west-2",
    )
    alone = unresolved(kubeconfig=kube(request=staging), inputs=Inputs())
    assert_check(alone, "kubeconfig", Status.PASS, "for cluster staging")


def test_kubeconfig_evidence_hides_external_ids() -> None:
    args = ["exec", "--role-arn", "r", "--external-id", "s3cret", "-e=also", "--external-id"]
    found = check(healthy(kubeconfig=kube(context(block={"args": args}))), "kubeconfig")
    assert found.evidence["args"] == (
        "exec",
        "--role-arn",
        "r",
        "--external-id",
        "REDACTED",
        "-e=REDACTED",
        "--external-id",
    )


def test_kubeconfig_impersonation() -> None:
    ctx = context({"exec": {"apiVersion": V1, "command": "eks-tf-auth"}, "as": "admin"})
    facts = healthy(kubeconfig=kube(ctx))
    assert_check(facts, "kubeconfig", Status.WARN, "impersonates admin", "remove as/as-groups")


def test_kubeconfig_fix_without_a_resolved_cluster() -> None:
    facts = unresolved(kubeconfig=kube(command_path=None, paths=()))
    found = check(facts, "kubeconfig")
    render = "eks-tf-auth render kubeconfig --cluster-name CLUSTER --region REGION"
    assert (
        found.fix == f"install it, or give its absolute path ({render} --merge-into ~/.kube/config)"
    )


def test_kuberc() -> None:
    facts = healthy(kubeconfig=kube(), kuberc=Failed("kuberc /x (KUBERC) not found", None))
    assert_check(facts, "kuberc", Status.FAIL, "not found", "unset KUBERC")
    facts = healthy(
        kubeconfig=kube(),
        kuberc=KubercFacts("/k", "DenyAll", "eks-tf-auth render kuberc --merge-into /k"),
    )
    assert_check(facts, "kuberc", Status.FAIL, "DenyAll", "render kuberc")
    facts = healthy(kubeconfig=kube(), kuberc=KubercFacts("/k", "DenyAll", None))
    assert_check(facts, "kuberc", Status.FAIL, "DenyAll", "allow the plugin")
    facts = healthy(kubeconfig=kube(), kuberc=KubercFacts("/k", None, None))
    assert_check(facts, "kuberc", Status.PASS, "/k lets kubectl run")
    facts = healthy(kubeconfig=kube(), kuberc=None)
    assert_check(facts, "kuberc", Status.SKIP, "no exec plugin")


def minted(cluster: str = CLUSTER, at: Any = NOW, creds: Credentials = CREDENTIALS) -> str:
    resolved = identity.resolve(ClusterRequest(cluster_name=cluster, region=REGION), ENV)
    return identity.mint_token(resolved, creds, now=lambda: at).value


def test_exec_plugin_answers() -> None:
    base = {"kubeconfig": kube(), "kuberc": KubercFacts(None, None, None)}
    assert_check(healthy(**base), "exec-plugin", Status.SKIP, "no exec plugin")
    facts = healthy(**base, plugin=Failed("exited with status 1: boom", None))
    assert_check(facts, "exec-plugin", Status.FAIL, "boom", "run the exec command yourself")
    facts = healthy(**base, plugin=PluginFacts("not-a-token"))
    assert_check(facts, "exec-plugin", Status.FAIL, "not an EKS token", "eks-tf-auth exec")
    stale = PluginFacts(minted(at=NOW - timedelta(minutes=20)))
    assert_check(
        healthy(**base, plugin=stale),
        "exec-plugin",
        Status.FAIL,
        "no longer accepts",
        "cache clear",
    )
    other = PluginFacts(minted("staging"))
    assert_check(
        healthy(**base, plugin=other),
        "exec-plugin",
        Status.FAIL,
        "another cluster than prod",
        "--cluster-name prod",
    )
    good = PluginFacts(minted(), NOW + timedelta(minutes=13))
    found = check(healthy(**base, plugin=good), "exec-plugin")
    assert found.status is Status.PASS and found.evidence["bound_to"] == CLUSTER
    foreign = PluginFacts(minted(creds=Credentials("AKIAOTHER", "x" * 40)))
    found = check(healthy(**base, plugin=foreign), "exec-plugin")
    assert found.status is Status.PASS and found.evidence["bound_to"] is None
    alone = unresolved(**base, plugin=good, inputs=Inputs())
    assert "bound_to" not in check(alone, "exec-plugin").evidence


# -- whoami -------------------------------------------------------------------------------------


def test_whoami_sees_the_caller() -> None:
    found = check(healthy(), "whoami")
    assert found.status is Status.PASS and found.evidence["arn"] == CALLER
    other = "arn:aws:sts::111122223333:assumed-role/admin/kubectl"
    facts = healthy(whoami=replace(healthy().whoami, extra={"arn": (other,)}))  # type: ignore[type-var]
    assert_check(facts, "whoami", Status.WARN, f"this shell is {CALLER}", "kubeconfig check")
    facts = healthy(whoami=replace(healthy().whoami, extra={}, username="kubernetes-admin"))  # type: ignore[type-var]
    assert_check(facts, "whoami", Status.PASS, "sees kubernetes-admin as kubernetes-admin")


def test_whoami_refused() -> None:
    facts = healthy(whoami=Failed("refused: 401 Unauthorized", None, "401"))
    assert_check(facts, "whoami", Status.FAIL, "401 Unauthorized", "run again with --logs")
    facts = healthy(whoami=Failed("refused: 403 Forbidden", None, "403"))
    assert_check(facts, "whoami", Status.FAIL, "403", "the API server's message")
    facts = healthy(whoami=Failed("refused: 500", "try later", "500"))
    assert_check(facts, "whoami", Status.FAIL, "500", "try later")


@pytest.mark.parametrize(
    ("access", "fix"),
    [
        ({"endpoint_public": False}, "the endpoint is private"),
        ({"public_cidrs": ("203.0.113.0/24",)}, "admits only 203.0.113.0/24"),
        ({}, "a hint"),
    ],
)
def test_whoami_out_of_reach(access: dict[str, Any], fix: str) -> None:
    facts = healthy(
        cluster=cluster(**access), whoami=Failed("cannot reach the API server", "a hint")
    )
    assert_check(facts, "whoami", Status.FAIL, "cannot reach", fix)
    facts = healthy(cluster=None, whoami=Failed("cannot reach the API server"))
    assert_check(facts, "whoami", Status.FAIL, "cannot reach", "the network path")


def test_whoami_skipped_says_why() -> None:
    assert_check(healthy(whoami=None), "whoami", Status.SKIP, "no API server to ask")
    facts = healthy(whoami=None, token=Failed("x"))
    assert_check(facts, "whoami", Status.SKIP, "needs token, which failed")
    facts = unresolved(whoami=None)
    assert_check(facts, "whoami", Status.SKIP, "needs token, which was skipped")
    given = kube(given=True)
    facts = healthy(whoami=None, kubeconfig=given, plugin=Failed("x"), kuberc=None)
    assert_check(facts, "whoami", Status.SKIP, "needs exec-plugin, which failed")


# -- IRSA ---------------------------------------------------------------------------------------

IRSA_ROLE = "arn:aws:iam::111122223333:role/app"


def irsa_facts(**changes: Any) -> Any:
    base: dict[str, Any] = {
        "inputs": Inputs(request=REQUEST, service_account=SA),
        "service_account": ServiceAccount("apps", "app", {"eks.amazonaws.com/role-arn": IRSA_ROLE}),
        "irsa_role_arn": IRSA_ROLE,
        "irsa_role": RoleTrust("app", IRSA_ROLE, "AROAAPP", NOW, trust()),
        "oidc_provider": OidcProvider(PROVIDER, ISSUER_HOST, ("sts.amazonaws.com",)),
        "oidc_checked": True,
    }
    return healthy(**{**base, **changes})


def trust(**condition: str) -> dict[str, Any]:
    return {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": condition
                or {
                    f"{ISSUER_HOST}:sub": "system:serviceaccount:apps:app",
                    f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
                }
            },
        }
    }


def test_irsa_healthy_and_not_in_play() -> None:
    for name in ("irsa-service-account", "irsa-oidc-provider", "irsa-trust"):
        assert check(irsa_facts(), name).status is Status.PASS, name
        assert check(healthy(), name).status is Status.SKIP


def test_irsa_service_account() -> None:
    assert_check(irsa_facts(service_account=None), "irsa-service-account", Status.SKIP, "not read")
    facts = irsa_facts(service_account=Failed("refused: 403 Forbidden", None, "403"))
    assert_check(facts, "irsa-service-account", Status.FAIL, "403", "kubectl get serviceaccount")
    facts = irsa_facts(service_account=ServiceAccount("apps", "app", None))
    assert_check(
        facts,
        "irsa-service-account",
        Status.FAIL,
        "there is no service account",
        "create serviceaccount",
    )


def test_irsa_token() -> None:
    good = Claims(
        ISSUER, ("sts.amazonaws.com",), "system:serviceaccount:apps:app", NOW + timedelta(hours=1)
    )
    web = WebIdentity("/t", good)
    assert_check(
        irsa_facts(web_identity=web), "irsa-token", Status.PASS, "system:serviceaccount:apps:app"
    )
    cases = [
        (
            WebIdentity("/t", None, "cannot read /t: No such file"),
            Status.FAIL,
            "cannot read",
            "projected token volume",
        ),
        (
            WebIdentity("/t", None),
            Status.FAIL,
            "does not hold a JWT",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ),
        (WebIdentity("/t", replace(good, expires=NOW)), Status.FAIL, "expired", "restart the pod"),
        (
            WebIdentity("/t", replace(good, issuer="https://other")),
            Status.FAIL,
            "issued by https://other",
            "this cluster",
        ),
        (
            WebIdentity("/t", replace(good, subject="system:serviceaccount:x:y")),
            Status.WARN,
            "not apps/app's",
            "--service-account",
        ),
        (
            WebIdentity("/t", replace(good, audiences=())),
            Status.FAIL,
            "audience is missing",
            "sts.amazonaws.com",
        ),
    ]
    for web, status, finding, fix in cases:
        assert_check(irsa_facts(web_identity=web), "irsa-token", status, finding, fix)
    no_exp = WebIdentity("/t", replace(good, expires=None, issuer=None))
    assert_check(healthy(web_identity=no_exp), "irsa-token", Status.PASS, "until None")


def test_irsa_oidc_provider() -> None:
    facts = irsa_facts(cluster=cluster(oidc_issuer=None))
    assert_check(facts, "irsa-oidc-provider", Status.FAIL, "reports no OIDC issuer", "Pod Identity")
    facts = irsa_facts(oidc_provider=Failed("AccessDenied"))
    assert_check(
        facts, "irsa-oidc-provider", Status.WARN, "cannot list", "iam:ListOpenIDConnectProviders"
    )
    facts = irsa_facts(oidc_provider=None, oidc_checked=False)
    assert_check(facts, "irsa-oidc-provider", Status.SKIP, "were not read")
    facts = irsa_facts(oidc_provider=None)
    assert_check(
        facts,
        "irsa-oidc-provider",
        Status.FAIL,
        "No OpenIDConnect provider",
        "create-open-id-connect-provider",
    )
    facts = irsa_facts(oidc_provider=OidcProvider(PROVIDER, ISSUER_HOST, ()))
    assert_check(facts, "irsa-oidc-provider", Status.FAIL, "client ids are none", "add-client-id")


def test_irsa_trust_checks() -> None:
    assert_check(irsa_facts(irsa_role_arn=None), "irsa-trust", Status.SKIP, "no role to check")
    assert_check(irsa_facts(irsa_role=None), "irsa-trust", Status.SKIP, "was not read")
    facts = irsa_facts(irsa_role=Failed("IAM has no role 'app'", "was it deleted"))
    assert_check(facts, "irsa-trust", Status.WARN, "cannot read", "was it deleted")
    facts = irsa_facts(irsa_role=Failed("no"))
    assert_check(facts, "irsa-trust", Status.WARN, "cannot read", "iam:GetRole")
    facts = irsa_facts(oidc_provider=None)  # the provider's ARN is made from the issuer
    assert check(facts, "irsa-trust").status is Status.PASS
    web = WebIdentity(
        "/t", Claims(ISSUER, ("sts.amazonaws.com",), "system:serviceaccount:apps:other", None)
    )
    facts = irsa_facts(web_identity=web)
    assert_check(facts, "irsa-trust", Status.FAIL, "system:serviceaccount:apps:other")
    only_sub = irsa_facts(
        irsa_role=RoleTrust(
            "app", IRSA_ROLE, "A", NOW, trust(**{f"{ISSUER_HOST}:aud": "sts.amazonaws.com"})
        )
    )
    assert_check(only_sub, "irsa-trust", Status.WARN, "every service account", ":sub")
    no_sa = irsa_facts(inputs=Inputs(request=REQUEST), web_identity=WebIdentity("/t", None, "x"))
    assert_check(no_sa, "irsa-trust", Status.PASS, "(any subject)")


def test_not_in_play_irsa_skips() -> None:
    facts = healthy(irsa_role_arn=IRSA_ROLE)
    assert_check(facts, "irsa-trust", Status.SKIP, "not in play")


def test_every_check_has_a_documented_id() -> None:
    from eks_tf_auth.doctor.checks import CHECKS

    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    for c in CHECKS:
        assert c.doc.strip() and c.title
        assert all(ids.index(n) < ids.index(c.id) for n in c.needs), c.id


def test_the_caller_unknown_has_no_canonical_arns() -> None:
    from eks_tf_auth.doctor.mappings import canonical

    assert canonical(unresolved()) == (None, None)


def test_a_report_names_its_cluster() -> None:
    assert run(healthy()).cluster == CLUSTER
    facts = unresolved(request=Failed("x"))
    assert run(facts).cluster is None and run(facts).region is None
    request = ClusterRequest(cluster_name=CLUSTER)
    assert run(unresolved(request=request)).cluster == CLUSTER
    token = Token("k8s-aws-v1.x", NOW)
    assert run(healthy(token=MintedToken(token, CLUSTER))).count(Status.FAIL) == 1


def test_a_caller_arn_eks_would_not_map() -> None:
    odd = "arn:aws:sts::123456789012:user/moto"  # what moto says for keys it does not know
    facts = healthy(
        caller=Caller(odd, "123456789012", "AIDA", NOW),
        role=None,
        cluster=CONFIG_MAP,
        aws_auth=aws_auth(mapping_of(CANONICAL)),
        access_entry=None,
        whoami=Failed("401", None, "401"),
    )
    assert_check(facts, "aws-auth", Status.FAIL, f"does not map {odd}")
    assert_check(facts, "mapping", Status.FAIL, f"{odd} is not in aws-auth")
