"""The world a doctor scenario runs in, built from real pieces: moto (STS GetCallerIdentity with its
Date header, IAM roles with paths and trust policies, OIDC providers), botocore `Stubber`s for what
moto does not serve (the authentication mode, access entries and their policies, CloudWatch Logs),
the HTTPS EKS API double (it verifies every token, serves aws-auth, answers SelfSubjectReviews,
refuses principals it does not know with 401), a kubeconfig whose exec block runs the real console
script, and an injectable clock.

A scenario changes one thing from the healthy `Setup` and asserts the check that fails, its finding
and its fix."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from eks_tf_auth import doctor
from eks_tf_auth.doctor.facts import Clients, Inputs
from eks_tf_auth.doctor.model import Report, Result, Status
from eks_tf_auth.identity import ClusterRequest
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import BIN_DIR

ACCOUNT = "123456789012"
REGION = "us-west-2"
CLUSTER = "prod"
ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER_HOST = ISSUER.removeprefix("https://")
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER_HOST}"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
V1 = "client.authentication.k8s.io/v1"
SERVICE_ACCOUNT = ("apps", "app")
SUBJECT = "system:serviceaccount:apps:app"
ROOT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def irsa_trust(
    subject: str,
    *,
    operator: str = "StringEquals",
    audience: bool = True,
    provider: str = PROVIDER_ARN,
) -> dict[str, Any]:
    condition = {f"{ISSUER_HOST}:sub": subject}
    if audience:
        condition[f"{ISSUER_HOST}:aud"] = "sts.amazonaws.com"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {operator: condition},
            }
        ],
    }


@dataclass(frozen=True)
class Session:
    """Credentials of an assumed role (moto), and what it is."""

    role_arn: str  # with its path
    role_name: str
    arn: str  # the assumed-role ARN STS reports
    access_key_id: str
    secret_access_key: str
    session_token: str
    created: datetime  # the role's CreateDate

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


@dataclass(frozen=True)
class Setup:
    """The cluster and its mappings as EKS would report them; the defaults are healthy."""

    mode: str | None = "API"  # None: DescribeCluster reports no accessConfig
    entry: bool = True
    entry_type: str = "STANDARD"
    entry_groups: tuple[str, ...] = ()
    policies: tuple[str, ...] = (ADMIN_POLICY,)
    entry_age: timedelta = timedelta(minutes=-1)  # created this long after the role
    aws_auth: Mapping[str, str] | None = None  # stored in the double
    mapped: bool = True  # the API server accepts the principal (else 401)
    logs: bool = True
    log_events: tuple[str, ...] = ()
    endpoint: str | None = None  # None: the double's
    public: bool = True
    status: str = "ACTIVE"
    issuer: str = ISSUER
    entry_error: str | None = None  # a ClientError code for DescribeAccessEntry


class World:
    def __init__(self, moto_url: str, tmp: Path, double: EksApiDouble) -> None:
        self.moto_url = moto_url
        self.tmp = tmp
        self.double = double
        self.static: dict[str, Identity] = {}
        self.refused: set[str] = set()  # access key ids the double answers 401
        double.identities = self._lookup

    def _lookup(self, access_key_id: str) -> Identity | None:
        from tests.support.aws import moto_sessions

        if access_key_id in self.refused:
            return None
        if access_key_id in self.static:
            return self.static[access_key_id]
        found = moto_sessions().get(access_key_id)
        return Identity(found.arn, found.secret_access_key) if found else None

    # -- moto --------------------------------------------------------------------------------

    def boto(self, service: str, **creds: str) -> Any:
        return botocore_session().create_client(
            service,
            region_name=REGION,
            endpoint_url=self.moto_url,
            aws_access_key_id=creds.get("key", "AKIAIOSFODNN7EXAMPLE"),
            aws_secret_access_key=creds.get("secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            aws_session_token=creds.get("token"),
        )

    def role(
        self,
        name: str = "deployer",
        *,
        path: str = "/team/",
        trust: Mapping[str, Any] | None = None,
    ) -> tuple[str, str, datetime]:
        """A new IAM role (a unique name); its ARN, name and creation date."""
        unique = f"{name}-{uuid.uuid4().hex[:8]}"
        found = self.boto("iam").create_role(
            RoleName=unique, Path=path, AssumeRolePolicyDocument=json.dumps(trust or ROOT_TRUST)
        )["Role"]
        return found["Arn"], unique, found["CreateDate"]

    def session(self, name: str = "deployer", *, path: str = "/team/") -> Session:
        arn, unique, created = self.role(name, path=path)
        out = self.boto("sts").assume_role(RoleArn=arn, RoleSessionName="doctor")
        creds = out["Credentials"]
        return Session(
            role_arn=arn,
            role_name=unique,
            arn=out["AssumedRoleUser"]["Arn"],
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            created=created,
        )

    def oidc_provider(self, client_ids: Sequence[str] = ("sts.amazonaws.com",)) -> str:
        iam = self.boto("iam")
        for item in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=item["Arn"])
        return str(
            iam.create_open_id_connect_provider(
                Url=ISSUER, ClientIDList=list(client_ids), ThumbprintList=["a" * 40]
            )["OpenIDConnectProviderArn"]
        )

    def no_oidc_provider(self) -> None:
        iam = self.boto("iam")
        for item in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=item["Arn"])

    # -- the clients doctor is handed ------------------------------------------------------------

    def clients(self, setup: Setup, session: Session | None) -> Clients:
        def sts(resolved: Any, creds: Any) -> Any:
            return self.boto(
                "sts",
                key=creds.access_key_id,
                secret=creds.secret_access_key,
                **({"token": creds.session_token} if creds.session_token else {}),
            )

        def iam(resolved: Any, creds: Any) -> Any:
            return self.boto("iam")

        def eks(resolved: Any, creds: Any) -> Any:
            return self._eks(setup, session, resolved.request.cluster_name)

        def logs(resolved: Any, creds: Any) -> Any:
            return self._logs(setup, session)

        return Clients(sts=sts, eks=eks, iam=iam, logs=logs)

    def _eks(self, setup: Setup, session: Session | None, name: str) -> Any:
        from botocore.stub import ANY, Stubber

        client = botocore_session().create_client(
            "eks", region_name=REGION, aws_access_key_id="AKIAX", aws_secret_access_key="x"
        )
        stubber = Stubber(client)
        stubber.add_response(
            "describe_cluster", {"cluster": self.cluster(setup, name)}, {"name": ANY}
        )
        if setup.mode in ("API", "API_AND_CONFIG_MAP") and session is not None:
            params = {"clusterName": ANY, "principalArn": ANY}
            if setup.entry_error:
                stubber.add_client_error(
                    "describe_access_entry", setup.entry_error, "not allowed", 403, params
                )
            elif not setup.entry:
                stubber.add_client_error(
                    "describe_access_entry", "ResourceNotFoundException", "none", 404, params
                )
            else:
                entry = {
                    "clusterName": name,
                    "principalArn": session.role_arn,
                    "kubernetesGroups": list(setup.entry_groups),
                    "accessEntryArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:access-entry/{name}/x",
                    "createdAt": session.created - setup.entry_age,
                    "modifiedAt": session.created - setup.entry_age,
                    "username": session.arn,
                    "type": setup.entry_type,
                }
                stubber.add_response("describe_access_entry", {"accessEntry": entry}, params)
                policies = [
                    {
                        "policyArn": p,
                        "accessScope": {"type": "cluster"},
                        "associatedAt": session.created,
                        "modifiedAt": session.created,
                    }
                    for p in setup.policies
                ]
                stubber.add_response(
                    "list_associated_access_policies",
                    {
                        "clusterName": name,
                        "principalArn": session.role_arn,
                        "associatedAccessPolicies": policies,
                    },
                    params,
                )
        stubber.activate()
        return client

    def cluster(self, setup: Setup, name: str) -> dict[str, Any]:
        found: dict[str, Any] = {
            "name": name,
            "arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{name}",
            "version": "1.31",
            "platformVersion": "eks.12",
            "status": setup.status,
            # Another cluster's endpoint is not the double's.
            "endpoint": setup.endpoint
            or (self.double.url if name == CLUSTER else f"https://{name}.example.invalid"),
            "certificateAuthority": {"data": self.double.ca_data},
            "resourcesVpcConfig": {
                "endpointPublicAccess": setup.public,
                "endpointPrivateAccess": True,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
            "logging": {
                "clusterLogging": [{"types": ["api", "authenticator"], "enabled": setup.logs}]
            },
            "identity": {"oidc": {"issuer": setup.issuer}},
        }
        if setup.mode is not None:
            found["accessConfig"] = {
                "authenticationMode": setup.mode,
                "bootstrapClusterCreatorAdminPermissions": True,
            }
        return found

    def _logs(self, setup: Setup, session: Session | None) -> Any:
        from botocore.stub import ANY, Stubber

        client = botocore_session().create_client(
            "logs", region_name=REGION, aws_access_key_id="AKIAX", aws_secret_access_key="x"
        )
        stubber = Stubber(client)
        events = [
            {"logStreamName": "authenticator-1", "timestamp": 1_700_000_000_000 + i, "message": m}
            for i, m in enumerate(setup.log_events)
        ]
        stubber.add_response("filter_log_events", {"events": events}, ANY_PARAMS(ANY))
        stubber.activate()
        return client

    # -- running doctor ---------------------------------------------------------------------

    def env(self, session: Session | None, **extra: str) -> dict[str, str]:
        home = self.tmp / "home"
        home.mkdir(exist_ok=True)
        env = {
            "HOME": str(home),
            "PATH": f"{BIN_DIR}:/usr/bin:/bin",
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": str(self.tmp / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.tmp / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "EKS_TF_AUTH_CACHE_DIR": str(self.tmp / "cache"),
            "KUBECONFIG": str(self.tmp / "no-kubeconfig"),
        }
        if session is not None:
            env.update(session.env())
        env.update(extra)
        return env

    def kubeconfig(
        self,
        *,
        args: Sequence[str] = ("exec", "--cluster-name", CLUSTER, "--region", REGION),
        exec_block: Mapping[str, Any] | None = None,
        user: Mapping[str, Any] | None = None,
        server: str | None = None,
        name: str = "kubeconfig",
    ) -> Path:
        block = {
            "apiVersion": V1,
            "command": str(BIN_DIR / "eks-tf-auth"),
            "args": list(args),
            "interactiveMode": "Never",
            **(exec_block or {}),
        }
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": CLUSTER,
            "clusters": [
                {
                    "name": CLUSTER,
                    "cluster": {
                        "server": server or self.double.url,
                        "certificate-authority-data": self.double.ca_data,
                    },
                }
            ],
            "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": "eks"}}],
            "users": [{"name": "eks", "user": dict(user) if user is not None else {"exec": block}}],
        }
        path = self.tmp / name
        path.write_text(yaml.safe_dump(doc))
        return path

    def run(
        self,
        setup: Setup = Setup(),
        session: Session | None = None,
        *,
        inputs: Inputs | None = None,
        env: Mapping[str, str] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> Report:
        if session is not None and setup.aws_auth is not None:
            self.double.put_configmap("kube-system", "aws-auth", setup.aws_auth)
        if session is not None and not setup.mapped:
            self.refused.add(session.access_key_id)
        inputs = inputs or Inputs(request=ClusterRequest(cluster_name=CLUSTER, region=REGION))
        return doctor.diagnose(
            inputs,
            env if env is not None else self.env(session),
            clients=self.clients(setup, session),
            now=now or (lambda: datetime.now(timezone.utc)),
        )


@functools.lru_cache(maxsize=1)
def botocore_session() -> Any:
    """One botocore session for every client a scenario makes: its loaders cache the service
    models, so that a client costs milliseconds, not a model parse."""
    import botocore.session

    return botocore.session.get_session()


def healthy(world: World) -> Callable[[], Report]:
    """The healthy setup, every check in play (a kubeconfig found for the cluster whose exec block
    runs the console script, IRSA with a projected token and a service account, aws-auth beside an
    access entry, authenticator logs read): a run of doctor on it, ready to repeat."""
    import base64

    session = world.session()
    arn, _, _ = world.role("app", path="/", trust=irsa_trust(SUBJECT))
    world.double.answer(
        200,
        path=f"/api/v1/namespaces/{SERVICE_ACCOUNT[0]}/serviceaccounts/{SERVICE_ACCOUNT[1]}",
        body={
            "kind": "ServiceAccount",
            "apiVersion": "v1",
            "metadata": {
                "name": SERVICE_ACCOUNT[1],
                "namespace": SERVICE_ACCOUNT[0],
                "annotations": {"eks.amazonaws.com/role-arn": arn},
            },
        },
    )
    world.oidc_provider()
    expires = int((datetime.now(timezone.utc) + timedelta(hours=1)).timestamp())
    claims = {"iss": ISSUER, "aud": ["sts.amazonaws.com"], "sub": SUBJECT, "exp": expires}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    token_file = world.tmp / "token"
    token_file.write_text(f"eyJhbGciOiJSUzI1NiJ9.{body}.c2ln")
    nodes = (
        "- rolearn: arn:aws:iam::123456789012:role/nodes\n  username: n\n  groups: [system:nodes]\n"
    )
    setup = Setup(mode="API_AND_CONFIG_MAP", aws_auth={"mapRoles": nodes})
    env = world.env(
        session,
        KUBECONFIG=str(world.kubeconfig()),
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_ARN=arn,
    )
    inputs = Inputs(
        request=ClusterRequest(cluster_name=CLUSTER, region=REGION),
        service_account=SERVICE_ACCOUNT,
        logs=True,
    )
    return lambda: world.run(setup, session, inputs=inputs, env=env)


def ANY_PARAMS(any_: Any) -> dict[str, Any]:
    return {
        "logGroupName": any_,
        "logStreamNamePrefix": any_,
        "filterPattern": any_,
        "startTime": any_,
    }


def result(report: Report, check: str) -> Result:
    return next(o.result for o in report.outcomes if o.check.id == check)


def statuses(report: Report) -> dict[str, Status]:
    return {o.check.id: o.result.status for o in report.outcomes}


@dataclass
class Expect:
    check: str
    status: Status
    finding: str  # a part of the finding
    fix: str | None = None  # a part of the fix


def assert_result(report: Report, expect: Expect) -> None:
    found = result(report, expect.check)
    assert found.status is expect.status, (expect.check, found, statuses(report))
    assert expect.finding in found.finding, (expect.check, found.finding)
    if expect.fix is not None:
        assert found.fix is not None and expect.fix in found.fix, (expect.check, found.fix)
