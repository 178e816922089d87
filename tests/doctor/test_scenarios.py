"""One scenario per cause of an EKS 401, each asserting the check that fails, its finding and its
fix; and a healthy setup that passes every check. Built from real pieces (tests/doctor/world.py):
moto (STS, IAM roles with paths and trust policies, OIDC providers), botocore Stubbers (the
authentication mode, access entries, CloudWatch Logs), the HTTPS EKS API double (aws-auth,
SelfSubjectReview, 401 for principals it does not know), the console script as the exec plugin,
and an injected clock."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth.doctor import formats
from eks_tf_auth.doctor.facts import Inputs
from eks_tf_auth.doctor.model import Report, Status
from eks_tf_auth.identity import ClusterRequest
from tests.doctor.world import (
    CLUSTER,
    ISSUER,
    PROVIDER_ARN,
    REGION,
    Expect,
    Session,
    Setup,
    World,
    assert_result,
    healthy,
    irsa_trust,
    result,
    statuses,
)
from tests.support.tools import free_port

pytestmark = pytest.mark.real

ASKED = ClusterRequest(cluster_name=CLUSTER, region=REGION)
SA = ("apps", "app")
SUBJECT = "system:serviceaccount:apps:app"


def jwt(claims: dict[str, object]) -> str:
    def part(doc: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def aws_auth_file(tmp: Path, map_roles: str) -> str:
    path = tmp / "aws-auth.yaml"
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles},
    }
    path.write_text(json.dumps(manifest))
    return str(path)


def role_entry(arn: str, groups: str = "[system:masters]") -> str:
    return f"- rolearn: {arn}\n  username: ci\n  groups: {groups}\n"


def service_account(world: World, annotations: dict[str, str] | None) -> None:
    body: dict[str, object] = {
        "kind": "ServiceAccount",
        "apiVersion": "v1",
        "metadata": {"name": SA[1], "namespace": SA[0], "annotations": annotations or {}},
    }
    world.double.answer(200, path=f"/api/v1/namespaces/{SA[0]}/serviceaccounts/{SA[1]}", body=body)


def irsa(world: World, trust: dict[str, object], *, provider: bool = True) -> str:
    """A role for the service account, annotated on it; the OIDC provider (or none)."""
    arn, _, _ = world.role("app", path="/", trust=trust)
    service_account(world, {"eks.amazonaws.com/role-arn": arn})
    if provider:
        world.oidc_provider()
    else:
        world.no_oidc_provider()
    return arn


def run_irsa(world: World, session: Session) -> Report:
    return world.run(Setup(), session, inputs=Inputs(request=ASKED, service_account=SA))


# -- healthy ------------------------------------------------------------------------------------


def test_a_healthy_setup_passes_every_check(world: World) -> None:
    report = healthy(world)()
    assert set(statuses(report).values()) == {Status.PASS}, formats.text(report)
    assert result(report, "whoami").evidence["arn"] == result(report, "identity").evidence["arn"]
    assert result(report, "exec-plugin").evidence["bound_to"] == CLUSTER
    assert report.cluster == CLUSTER and report.region == REGION
    assert healthy(world)().status is Status.PASS  # again, with new roles: nothing left over


def test_a_kubeconfig_alone_names_the_cluster_and_the_identity(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig()
    report = world.run(Setup(), session, inputs=Inputs(kubeconfig=str(kubeconfig)))
    assert report.cluster == CLUSTER
    for check in ("credentials", "identity", "token", "cluster", "kubeconfig", "exec-plugin"):
        assert result(report, check).status is Status.PASS, formats.text(report)
    assert result(report, "whoami").status is Status.PASS
    assert result(report, "exec-plugin").evidence["bound_to"] == CLUSTER


# -- one cause each -----------------------------------------------------------------------------


def test_wrong_identity_environment_keys_override_the_profile(world: World) -> None:
    session = world.session("ci")
    (world.tmp / "aws-config").write_text("[profile admin]\nregion = us-west-2\n")
    env = world.env(session, AWS_PROFILE="admin")
    report = world.run(Setup(entry=False, mapped=False), session, env=env)
    assert_result(
        report,
        Expect(
            "credentials",
            Status.WARN,
            "AWS_ACCESS_KEY_ID in the environment overrides AWS_PROFILE=admin",
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
        ),
    )
    assert_result(report, Expect("mapping", Status.FAIL, "has no access entry"))


def test_an_unmapped_principal(world: World) -> None:
    session = world.session()
    report = world.run(Setup(entry=False, mapped=False), session)
    assert_result(
        report,
        Expect(
            "access-entry",
            Status.FAIL,
            f"no access entry for {session.role_arn}",
            f"aws eks create-access-entry --cluster-name prod --region us-west-2 "
            f"--principal-arn {session.role_arn}",
        ),
    )
    assert_result(report, Expect("mapping", Status.FAIL, "mode API reads nothing else"))
    assert_result(
        report,
        Expect("whoami", Status.FAIL, "401 Unauthorized", "see the failed checks: access-entry"),
    )


def test_mapped_where_the_mode_does_not_look(world: World) -> None:
    session = world.session()
    canonical = f"arn:aws:iam::123456789012:role/{session.role_name}"
    admin_copy = aws_auth_file(world.tmp, role_entry(canonical))
    inputs = Inputs(request=ASKED, aws_auth_file=admin_copy)
    report = world.run(Setup(entry=False, mapped=False), session, inputs=inputs)
    assert_result(
        report,
        Expect(
            "mapping",
            Status.FAIL,
            f"{canonical} is mapped in aws-auth, but mode API reads only access entries",
            "authenticationMode=API_AND_CONFIG_MAP",
        ),
    )
    assert_result(report, Expect("aws-auth", Status.WARN, "but mode API does not read aws-auth"))


def test_a_broken_aws_auth_entry(world: World) -> None:
    session = world.session()
    canonical = f"arn:aws:iam::123456789012:role/{session.role_name}"
    admin_copy = aws_auth_file(world.tmp, role_entry(session.role_arn))  # with its path
    inputs = Inputs(request=ASKED, aws_auth_file=admin_copy)
    report = world.run(Setup(mode="CONFIG_MAP", mapped=False), session, inputs=inputs)
    assert_result(
        report,
        Expect(
            "aws-auth",
            Status.FAIL,
            "mapRoles line 1 is meant for",
            f"write rolearn/userarn exactly as {canonical}",
        ),
    )
    assert "has the path /team/" in result(report, "aws-auth").finding
    assert_result(report, Expect("mapping", Status.FAIL, "mode CONFIG_MAP reads nothing else"))
    assert result(report, "access-entry").status is Status.SKIP


def test_a_token_for_another_cluster(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig(args=("exec", "--cluster-name", "staging", "--region", REGION))
    inputs = Inputs(request=ASKED, kubeconfig=str(kubeconfig))
    report = world.run(Setup(), session, inputs=inputs)
    assert_result(
        report,
        Expect(
            "kubeconfig",
            Status.FAIL,
            "asks for a token for cluster staging, not prod",
            "eks-tf-auth render kubeconfig --cluster-name prod",
        ),
    )
    assert result(report, "exec-plugin").status is Status.SKIP  # needs kubeconfig
    assert_result(report, Expect("whoami", Status.FAIL, "401 Unauthorized", "kubeconfig"))


def test_a_kubeconfig_whose_exec_block_asks_for_another_cluster(world: World) -> None:
    """Without --cluster-name, the exec block says which cluster: DescribeCluster then shows
    that the server is not that cluster's."""
    session = world.session()
    kubeconfig = world.kubeconfig(args=("exec", "--cluster-name", "staging", "--region", REGION))
    report = world.run(Setup(), session, inputs=Inputs(kubeconfig=str(kubeconfig)))
    assert report.cluster == "staging"
    assert_result(
        report,
        Expect(
            "kubeconfig",
            Status.FAIL,
            "is not cluster staging's endpoint https://staging.example.invalid",
            "eks-tf-auth render kubeconfig --cluster-name staging",
        ),
    )
    assert_result(report, Expect("whoami", Status.FAIL, "401 Unauthorized", "kubeconfig"))


def test_a_token_for_another_cluster_is_caught_in_the_plugins_answer(world: World) -> None:
    """A plugin that signs for another cluster whatever its arguments say."""
    session = world.session()
    script = world.tmp / "plugin.sh"
    script.write_text(
        "#!/bin/sh\nexec eks-tf-auth exec --cluster-name staging --region us-west-2\n"
    )
    script.chmod(0o755)
    kubeconfig = world.kubeconfig(exec_block={"command": str(script)})
    report = world.run(Setup(), session, inputs=Inputs(request=ASKED, kubeconfig=str(kubeconfig)))
    assert_result(
        report,
        Expect(
            "exec-plugin",
            Status.FAIL,
            "signed for another cluster than prod",
            "--cluster-name prod",
        ),
    )
    assert_result(report, Expect("whoami", Status.FAIL, "401 Unauthorized", "exec-plugin"))


def test_clock_skew(world: World) -> None:
    session = world.session()
    ahead = timedelta(minutes=20)
    report = world.run(Setup(), session, now=lambda: datetime.now(timezone.utc) + ahead)
    assert_result(
        report,
        Expect("clock", Status.FAIL, "ahead of AWS: EKS refuses every token", "sync the clock"),
    )
    assert_result(report, Expect("whoami", Status.FAIL, "401 Unauthorized", "clock"))


def test_a_clock_behind_makes_tokens_die_early(world: World) -> None:
    session = world.session()
    report = world.run(
        Setup(), session, now=lambda: datetime.now(timezone.utc) - timedelta(minutes=7)
    )
    assert_result(report, Expect("clock", Status.FAIL, "tokens die about 6 minutes before"))


def test_a_kubeconfig_exec_block_with_v1alpha1(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig(
        exec_block={"apiVersion": "client.authentication.k8s.io/v1alpha1"}
    )
    report = world.run(Setup(), session, inputs=Inputs(kubeconfig=str(kubeconfig)))
    assert_result(
        report,
        Expect(
            "kubeconfig",
            Status.FAIL,
            "v1alpha1, which kubectl 1.24 and later removed",
            "set apiVersion: client.authentication.k8s.io/v1",
        ),
    )
    assert result(report, "whoami").status is Status.SKIP


def test_a_kubeconfig_exec_command_not_on_path(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig(
        exec_block={"command": "aws-iam-authenticator"}, args=("token", "-i", CLUSTER)
    )
    report = world.run(Setup(), session, inputs=Inputs(kubeconfig=str(kubeconfig)))
    assert_result(
        report,
        Expect(
            "kubeconfig",
            Status.FAIL,
            "runs aws-iam-authenticator, which is not on PATH",
            "install it",
        ),
    )


def test_a_kuberc_that_denies_credential_plugins(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig()
    kuberc = world.tmp / "kuberc"
    kuberc.write_text(
        "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
        "credentialPluginPolicy: DenyAll\n"
    )
    env = world.env(session, KUBERC=str(kuberc))
    report = world.run(Setup(), session, inputs=Inputs(kubeconfig=str(kubeconfig)), env=env)
    assert_result(
        report,
        Expect(
            "kuberc",
            Status.FAIL,
            "credentialPluginPolicy: DenyAll",
            f"eks-tf-auth render kuberc --merge-into {kuberc}",
        ),
    )


def test_a_service_account_without_the_annotation(world: World) -> None:
    session = world.session()
    service_account(world, None)
    world.oidc_provider()
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect(
            "irsa-service-account",
            Status.FAIL,
            "does not have an annotation eks.amazonaws.com/role-arn",
            "kubectl annotate serviceaccount -n apps app eks.amazonaws.com/role-arn=",
        ),
    )
    assert result(report, "irsa-trust").status is Status.SKIP


def test_irsa_trust_for_another_service_account(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust("system:serviceaccount:apps:other"))
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect(
            "irsa-trust",
            Status.FAIL,
            "does not hold for the token's sub system:serviceaccount:apps:app",
            f'"{ISSUER.removeprefix("https://")}:sub": "{SUBJECT}"',
        ),
    )


def test_irsa_string_equals_with_a_wildcard(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust("system:serviceaccount:apps:*"))
    report = run_irsa(world, session)
    assert_result(
        report, Expect("irsa-trust", Status.FAIL, "does not hold", "use StringLike for a pattern")
    )


def test_irsa_string_like_with_a_wildcard_holds(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust("system:serviceaccount:apps:*", operator="StringLike"))
    report = run_irsa(world, session)
    assert result(report, "irsa-trust").status is Status.PASS


def test_irsa_trust_without_an_audience_condition_is_weak(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust(SUBJECT, audience=False))
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect("irsa-trust", Status.WARN, "no oidc.eks", ':aud": "sts.amazonaws.com"'),
    )


def test_irsa_trust_naming_another_provider(world: World) -> None:
    session = world.session()
    other = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER"
    irsa(world, irsa_trust(SUBJECT, provider=other))
    report = run_irsa(world, session)
    assert_result(
        report, Expect("irsa-trust", Status.FAIL, f"trusts {other}", f"Federated to {PROVIDER_ARN}")
    )


def test_a_role_that_trusts_pod_identity_not_irsa(world: World) -> None:
    session = world.session()
    trust: dict[str, object] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    irsa(world, trust)
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect("irsa-trust", Status.FAIL, "trusts EKS Pod Identity", "Pod Identity association"),
    )
    assert result(report, "irsa-trust").evidence["pod_identity"] is True


def test_no_oidc_provider_for_the_cluster(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust(SUBJECT), provider=False)
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect(
            "irsa-oidc-provider",
            Status.FAIL,
            "No OpenIDConnect provider found in your account",
            "eksctl utils associate-iam-oidc-provider --cluster prod",
        ),
    )


def test_an_oidc_provider_without_the_sts_client_id(world: World) -> None:
    session = world.session()
    irsa(world, irsa_trust(SUBJECT))
    world.oidc_provider(client_ids=("other",))
    report = run_irsa(world, session)
    assert_result(
        report,
        Expect("irsa-oidc-provider", Status.FAIL, "Incorrect token audience", "add-client-id"),
    )


def test_a_web_identity_token_for_the_wrong_audience(world: World) -> None:
    session = world.session()
    token_file = world.tmp / "token"
    exp = int((datetime.now(timezone.utc) + timedelta(hours=1)).timestamp())
    token_file.write_text(jwt({"iss": ISSUER, "aud": "vault", "sub": SUBJECT, "exp": exp}))
    env = world.env(session, AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file))
    world.oidc_provider()
    report = world.run(Setup(), session, env=env)
    assert_result(
        report,
        Expect("irsa-token", Status.FAIL, "audience is vault", "audience sts.amazonaws.com"),
    )


def test_an_entry_with_no_group_and_no_policy_is_403_not_401(world: World) -> None:
    session = world.session()
    report = world.run(Setup(policies=()), session)
    assert_result(
        report,
        Expect(
            "access-entry",
            Status.WARN,
            "403 Forbidden, not 401",
            "aws eks associate-access-policy --cluster-name prod",
        ),
    )


def test_a_role_created_again_after_its_access_entry(world: World) -> None:
    session = world.session()
    report = world.run(Setup(entry_age=timedelta(days=30), mapped=False), session)
    assert_result(
        report,
        Expect(
            "access-entry",
            Status.FAIL,
            "after its access entry",
            "aws eks delete-access-entry --cluster-name prod",
        ),
    )


def test_an_access_entry_shadows_aws_auth(world: World) -> None:
    session = world.session()
    canonical = f"arn:aws:iam::123456789012:role/{session.role_name}"
    setup = Setup(mode="API_AND_CONFIG_MAP", aws_auth={"mapRoles": role_entry(canonical)})
    report = world.run(setup, session)
    assert_result(
        report,
        Expect("aws-auth", Status.WARN, "shadows it", "remove the aws-auth entry"),
    )
    assert result(report, "mapping").status is Status.PASS


def test_a_token_over_4096_characters(world: World) -> None:
    session = world.session()
    env = world.env(session, AWS_SESSION_TOKEN=session.session_token + "A" * 3500)
    report = world.run(Setup(), session, env=env)
    assert_result(
        report,
        Expect("token", Status.FAIL, "EKS refuses tokens over 4096", "fewer session tags"),
    )


def test_a_private_endpoint_out_of_reach(world: World) -> None:
    session = world.session()
    setup = Setup(endpoint=f"https://127.0.0.1:{free_port()}", public=False)
    report = world.run(setup, session)
    assert_result(
        report,
        Expect("whoami", Status.FAIL, "cannot reach the API server", "the endpoint is private"),
    )


def test_the_authenticator_says_access_denied(world: World) -> None:
    session = world.session()
    line = (
        f'time="2025-06-01T12:00:00Z" level=warning msg="access denied" arn="{session.arn}" '
        'error="ARN is not mapped"'
    )
    setup = Setup(
        entry=False, mapped=False, log_events=(line, 'msg="access denied" arn="someone-else"')
    )
    report = world.run(setup, session, inputs=Inputs(request=ASKED, logs=True))
    assert_result(
        report,
        Expect("logs", Status.WARN, "ARN is not mapped", "see the mapping check"),
    )
    lines = result(report, "logs").evidence["lines"]
    assert isinstance(lines, tuple) and len(lines) == 1


def test_authenticator_logs_off(world: World) -> None:
    session = world.session()
    report = world.run(Setup(logs=False), session)
    assert_result(
        report,
        Expect("logs", Status.WARN, "authenticator logs are off", '"types":["authenticator"]'),
    )


# -- the output carries no secret ---------------------------------------------------------------


def test_no_secret_reaches_any_output(world: World) -> None:
    session = world.session()
    kubeconfig = world.kubeconfig()
    for setup, inputs in (
        (Setup(), Inputs(request=ASKED, kubeconfig=str(kubeconfig), logs=True)),
        (Setup(entry=False, mapped=False), Inputs(kubeconfig=str(kubeconfig))),
    ):
        report = world.run(setup, session, inputs=inputs)
        minted = [o for o in report.outcomes if o.check.id == "token"]
        assert minted
        for text in (formats.text(report), formats.json_text(report)):
            for secret in (
                session.access_key_id,
                session.secret_access_key,
                session.session_token,
                session.session_token[:40],
                "k8s-aws-v1.",
                "X-Amz-Signature",
            ):
                assert secret not in text


# -- the console script, as a user runs it ------------------------------------------------------


def test_the_console_script_against_moto(moto_cluster: str, moto_url: str, tmp_path: Path) -> None:
    """`eks-tf-auth doctor` with every AWS endpoint on moto: DescribeCluster reports no
    authentication mode (moto's), and the token is signed for moto's STS, which EKS refuses: the
    token check says so, exit 1, and no output holds a secret."""
    import subprocess

    from moto.eks.models import eks_backends

    from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET
    from tests.support.eks_double import EksApiDouble, Identity
    from tests.support.tools import BIN_DIR, clean_env, real_tool

    real_tool("the eks-tf-auth console script")
    identities = {TEST_ACCESS_KEY: Identity("arn:aws:sts::123456789012:user/moto", TEST_SECRET)}
    clusters = [
        backend.clusters[moto_cluster]
        for by_region in eks_backends.values()
        for backend in by_region.values()
        if moto_cluster in backend.clusters
    ]
    # The session's shared cluster: point it at the double for this test only, then put back.
    saved = [(c.endpoint, c.certificate_authority) for c in clusters]
    with contextlib.ExitStack() as restore:
        restore.callback(_restore, clusters, saved)
        double = restore.enter_context(EksApiDouble(cluster_id=moto_cluster, identities=identities))
        for cluster in clusters:
            cluster.endpoint = double.url
            cluster.certificate_authority = {"data": double.ca_data}
        env = clean_env(
            __import__("os").environ,
            HOME=str(tmp_path),
            AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=TEST_SECRET,
            AWS_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
            AWS_ENDPOINT_URL=moto_url,
            KUBECONFIG=str(tmp_path / "none"),
        )
        proc = subprocess.run(
            [
                str(BIN_DIR / "eks-tf-auth"),
                "doctor",
                "--cluster-name",
                moto_cluster,
                "--output",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["token"]["status"] == "fail"
    assert "which EKS does not accept" in checks["token"]["finding"]
    assert checks["cluster"]["evidence"]["mode_reported"] is False
    assert checks["identity"]["evidence"]["arn"] == "arn:aws:sts::123456789012:user/moto"
    assert checks["whoami"]["status"] == "fail"
    for secret in (TEST_ACCESS_KEY, TEST_SECRET, "k8s-aws-v1.", "X-Amz-Signature"):
        assert secret not in proc.stdout and secret not in proc.stderr


def _restore(clusters: Sequence[Any], saved: Sequence[tuple[object, object]]) -> None:
    for cluster, (endpoint, ca) in zip(clusters, saved, strict=True):
        cluster.endpoint = endpoint
        cluster.certificate_authority = ca
