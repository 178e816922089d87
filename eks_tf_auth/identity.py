"""Which cluster, as whom: the one request record and the one resolver.

Every capability that talks to a cluster (`exec`, `external`, `render`, and the access commands)
describes it with a `ClusterRequest`, validated when it is built (so where input enters), and
turns it into a region, an STS endpoint and credentials here, with the same precedence everywhere:
the request's region, else the environment's and the profile's (botocore's order).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from eks_tf_auth import validate
from eks_tf_auth.aws.config import AwsSettings, load_settings
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.aws.endpoints import Endpoint, resolve_endpoint
from eks_tf_auth.errors import InputError
from eks_tf_auth.token import MAX_TOKEN_LENGTH, Token, presign_token, utcnow

logger = logging.getLogger(__name__)

NO_REGION_HINT = (
    "pass --region (region in an external query), set AWS_REGION or the profile's region; "
    "for kubectl, the cluster's client.authentication.k8s.io/exec extension can carry it"
)


@dataclass(frozen=True)
class ClusterRequest:
    """The cluster (name, or Outposts id) and the identity to reach it with. Every given value
    is checked on construction, so a request that exists is valid. (A profile is any name the
    config file holds; renderers that write it into a file check it for that file.)"""

    cluster_name: str | None = None
    cluster_id: str | None = None  # x-k8s-aws-id for an EKS local cluster on Outposts
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)  # often a shared secret
    session_name: str | None = None

    def __post_init__(self) -> None:
        if self.role_arn is None and (self.external_id or self.session_name):
            raise InputError(
                "an external id or a session name needs a role ARN to assume",
                hint="give the role (--role-arn, or role_arn in a query)",
            )
        for value, check in (
            (self.cluster_name, validate.cluster_name),
            (self.cluster_id, validate.cluster_id),
            (self.region, validate.region),
            (self.role_arn, validate.role_arn),
            (self.external_id, validate.external_id),
            (self.session_name, validate.session_name),
        ):
            if value is not None:
                check(value)

    @property
    def token_cluster(self) -> str:
        """What the token is bound to (its x-k8s-aws-id): the Outposts id, else the name."""
        ident = self.cluster_id or self.cluster_name
        if ident is None:
            raise InputError("no cluster given", hint="pass --cluster-name")
        return ident


@dataclass(frozen=True)
class Resolved:
    """A request with its region, AWS settings and STS endpoint decided."""

    request: ClusterRequest
    region: str
    settings: AwsSettings
    sts: Endpoint


def region(request: ClusterRequest, environ: Mapping[str, str]) -> str:
    """The request's region, else the environment's or the profile's. The config files are
    read only when the request carries no region."""
    if request.region is not None:
        return request.region
    found = load_settings(environ, profile=request.profile).region
    if not found:
        raise InputError(f"no region given{_for(request)}", hint=NO_REGION_HINT)
    return validate.region(found)


def resolve(request: ClusterRequest, environ: Mapping[str, str]) -> Resolved:
    settings = load_settings(environ, profile=request.profile)
    chosen = request.region or settings.region
    if not chosen:
        raise InputError(f"no region given{_for(request)}", hint=NO_REGION_HINT)
    if request.region is None:
        validate.region(chosen)
    return Resolved(request, chosen, settings, resolve_endpoint(chosen, settings))


def credentials(
    resolved: Resolved, environ: Mapping[str, str], *, assume: bool = True
) -> Credentials:
    """Static keys (environment, profile) without botocore where botocore would take them too,
    else botocore's chain; then, with `assume`, AssumeRole through the same STS endpoint when a
    role is given: without botocore too where it would connect alike (aws/assume.py)."""
    from eks_tf_auth.aws import credentials as creds

    request = resolved.request
    role_arn = request.role_arn if assume else None
    source = creds.static_credentials(environ, profile=request.profile)
    if source is None:  # static keys in a profile: botocore's answer, unloaded
        source = creds.profile_credentials(environ, profile=request.profile)
    if source is not None and not role_arn:
        return source
    if source is not None and role_arn:
        from eks_tf_auth.aws import assume as fast

        verify = fast.ca_bundle(resolved.settings, environ)
        if verify is not None:
            try:
                return fast.assume_role(
                    source,
                    resolved.sts,
                    role_arn=role_arn,
                    external_id=request.external_id,
                    session_name=request.session_name,
                    environ=environ,
                    verify=verify,
                )
            except fast.Handover as e:
                logger.debug("AssumeRole through botocore: the first answer was %s", e)
    from eks_tf_auth.aws import session

    sess = session.session(request.profile, environ)
    # A profile's role_arn (+ source_profile) is assumed by botocore with the session's region:
    # the one resolved here, which --region may have given where the profile has none.
    sess.set_config_variable("region", resolved.region)
    if source is None:
        source = creds.chain_credentials(sess)
    if not role_arn:
        return source
    # The global endpoint (legacy mode) signs for us-east-1, whatever the cluster's region.
    sts = session.sts_client(
        sess, source, region=resolved.sts.signing_region, endpoint_url=resolved.sts.url
    )
    return creds.assume_role(
        sts, role_arn=role_arn, external_id=request.external_id, session_name=request.session_name
    )


def mint_token(
    resolved: Resolved,
    creds: Credentials,
    *,
    now: Callable[[], datetime] = utcnow,
) -> Token:
    """A token for the request's cluster, signed with `creds` (from `credentials`)."""
    token = presign_token(creds, resolved.request.token_cluster, resolved.sts, now=now)
    if len(token.value) > MAX_TOKEN_LENGTH:
        logger.warning(
            "the token is %d characters long; EKS rejects tokens over %d with a bare 401",
            len(token.value),
            MAX_TOKEN_LENGTH,
        )
    return token


def get_token(
    cluster_name: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    cluster_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Token:
    """An EKS bearer token for `cluster_name`, as `eks-tf-auth exec` mints it (not cached).

    Credentials and region come from the environment and the AWS config files as with the AWS
    CLI; `role_arn` is assumed first. `Token.expiration` is when to mint a new one.
    Raises `eks_tf_auth.Error` (a subclass per cause) with a one-line message and a hint.
    """
    env = os.environ if environ is None else environ
    request = ClusterRequest(
        cluster_name=cluster_name,
        cluster_id=cluster_id,
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        session_name=session_name,
    )
    resolved = resolve(request, env)
    return mint_token(resolved, credentials(resolved, env))


def _for(request: ClusterRequest) -> str:
    name = request.cluster_name or request.cluster_id
    return f" for cluster {name!r}" if name else ""
