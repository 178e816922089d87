"""`render kubeconfig`: one exec user per cluster, and a merge into an existing kubeconfig the way
`aws eks update-kubeconfig` does it (entries of the same name replaced, the rest untouched).

Entries are named by the cluster's ARN when EKS describes it (as the AWS CLI names them, so a
merge replaces what the AWS CLI wrote), else by the cluster name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eks_tf_auth import exec_args, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec_credential import API_V1, API_VERSIONS
from eks_tf_auth.files import write_atomic
from eks_tf_auth.render import render

if TYPE_CHECKING:
    from eks_tf_auth.awsconfig import AwsSettings

SECTIONS = ("clusters", "contexts", "users")
MAX_WORKERS = 8


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    endpoint: str
    ca_data: str
    arn: str | None = None


@dataclass(frozen=True)
class KubeconfigRequest:
    cluster_names: Sequence[str]
    region: str
    role_arn: str | None = None
    profile: str | None = None
    alias: bool = False  # name contexts by cluster name rather than ARN
    api_version: str = API_V1
    command: str = exec_args.DEFAULT_COMMAND


def validate_request(req: KubeconfigRequest) -> None:
    if not req.cluster_names:
        raise InputError("no cluster given", hint="pass --cluster-name (repeat it for several)")
    for name in req.cluster_names:
        validate.cluster_name(name)
    if len(set(req.cluster_names)) != len(req.cluster_names):
        raise InputError("a cluster is named twice", hint="give each --cluster-name once")
    validate.region(req.region)
    if req.role_arn is not None:
        validate.role_arn(req.role_arn)
    if req.profile is not None:
        validate.profile(req.profile)
    validate.command(req.command)
    if req.api_version not in API_VERSIONS:
        raise InputError(
            f"unsupported apiVersion {req.api_version!r}", hint=f"use {' or '.join(API_VERSIONS)}"
        )


def describe_all(
    describe: Callable[[str], Cluster],
    names: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Cluster]:
    """Describe the clusters concurrently, in the given order; `progress(done, total)`."""
    done = 0
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(names))) as pool:
        futures = [pool.submit(describe, name) for name in names]
        results = []
        for future in futures:
            results.append(future.result())
            done += 1
            if progress is not None:
                progress(done, len(names))
    return results


def render_kubeconfig(clusters: Sequence[Cluster], req: KubeconfigRequest) -> str:
    entries = []
    for c in clusters:
        who = exec_args.Identity(c.name, c.region, role_arn=req.role_arn, profile=req.profile)
        entry = c.arn or c.name
        entries.append(
            {
                "name": c.name,
                "region": c.region,
                "endpoint": validate.endpoint(c.endpoint),
                "ca_data": validate.ca_data(c.ca_data),
                "entry": entry,
                "context": c.name if req.alias else entry,
                "args": exec_args.build(req.command, who, with_cluster=False),
            }
        )
    env = [
        {"name": k, "value": v}
        for k, v in exec_args.env(exec_args.Identity("-", req.region, profile=req.profile)).items()
    ]
    return render(
        "kubeconfig.yaml.j2",
        clusters=entries,
        api_version=req.api_version,
        command=req.command,
        env=env,
        current_context=entries[0]["context"],
    )


def merge(
    existing: Mapping[str, Any] | None, new: Mapping[str, Any], *, set_context: bool
) -> dict[str, Any]:
    """`new`'s clusters, contexts and users replace same-named entries of `existing` in place
    or are appended; everything else in `existing` is kept as it was."""
    merged: dict[str, Any] = dict(existing or {"apiVersion": "v1", "kind": "Config"})
    for section in SECTIONS:
        entries = list(merged.get(section) or [])
        index = {e.get("name"): i for i, e in enumerate(entries) if isinstance(e, dict)}
        for entry in new[section]:
            if entry["name"] in index:
                entries[index[entry["name"]]] = entry
            else:
                entries.append(entry)
        merged[section] = entries
    if set_context or not merged.get("current-context"):
        merged["current-context"] = new["current-context"]
    merged.setdefault("preferences", {})
    return merged


def load(text: str, path: str) -> dict[str, Any]:
    import yaml

    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path} is not valid YAML{where}", hint="fix or move the file") from e
    if not isinstance(doc, dict):
        raise InputError(f"{path} is not a kubeconfig (not a mapping)")
    for section in SECTIONS:
        if not isinstance(doc.get(section) or [], list):
            raise InputError(f"{path}: {section} is not a list")
    return doc


def dump(doc: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(doc), default_flow_style=False, sort_keys=False))


def merge_into(path: str, new_text: str, *, set_context: bool) -> str | None:
    """Merge into the kubeconfig at `path`: back it up to PATH.bak, then replace it atomically.
    Returns the backup's path, or None where there was no file."""
    try:
        with open(path, encoding="utf-8") as f:
            old_text: str | None = f.read()
    except FileNotFoundError:
        old_text = None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from e
    existing = load(old_text, path) if old_text is not None else None
    new = load(new_text, "<rendered>")
    text = dump(merge(existing, new, set_context=set_context))
    backup = None
    mode = 0o600
    if old_text is not None:
        mode = os.stat(path).st_mode & 0o777
        backup = path + ".bak"
        write_atomic(backup, old_text.encode(), mode=mode)
    write_atomic(path, text.encode(), mode=mode)
    return backup


def lookup(
    cluster_names: Sequence[str],
    *,
    region: str | None,
    role_arn: str | None,
    profile: str | None,
    alias: bool,
    api_version: str,
    command: str,
    endpoint: str | None,
    ca_data: str | None,
    environ: Mapping[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[KubeconfigRequest, list[Cluster]]:
    """The request, and each cluster's endpoint and CA: from --endpoint/--ca-data, else from
    DescribeCluster with the caller's own credentials (the role is for the exec user only)."""
    from eks_tf_auth.awsconfig import load_settings

    offline = endpoint is not None or ca_data is not None
    # The profile is the exec user's: read it here only where it is needed.
    settings = None if offline and region else load_settings(environ, profile=profile)
    chosen = region or (settings.region if settings else None)
    if not chosen:
        raise InputError("no region given", hint="pass --region, set AWS_REGION or the profile's")
    req = KubeconfigRequest(
        tuple(cluster_names),
        chosen,
        role_arn=role_arn,
        profile=profile,
        alias=alias,
        api_version=api_version,
        command=command,
    )
    validate_request(req)
    if offline:
        if not (endpoint and ca_data) or len(cluster_names) != 1:
            raise InputError(
                "--endpoint and --ca-data go together, for one cluster",
                hint="leave both out to look the clusters up with DescribeCluster",
            )
        return req, [Cluster(cluster_names[0], chosen, endpoint, ca_data)]
    assert settings is not None  # loaded unless offline
    return req, describe_all(_describer(req, settings, environ), cluster_names, progress=progress)


def _describer(
    req: KubeconfigRequest, settings: AwsSettings, environ: Mapping[str, str]
) -> Callable[[str], Cluster]:
    from eks_tf_auth import aws, credential
    from eks_tf_auth.sts import resolve_endpoint

    creds = credential.resolve_credentials(
        environ,
        profile=req.profile,
        role_arn=None,
        external_id=None,
        session_name=None,
        region=req.region,
        endpoint=resolve_endpoint(req.region, settings),
    )

    def describe(name: str) -> Cluster:
        found = aws.describe_cluster(req.profile, creds, name=name, region=req.region)
        return Cluster(
            found.name, req.region, found.endpoint, found.certificate_authority_data, found.arn
        )

    return describe
