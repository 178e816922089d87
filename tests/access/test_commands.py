"""The access-entries commands through main([...]): offline plans and renders, saved plans, one
cluster and a fleet (the AWS side replaced by Stubbers or fakes), apply and set-mode, and the
input errors (one line, exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth import cli
from eks_tf_auth.access import plan as planning
from eks_tf_auth.access.model import ClusterFacts, Mode, Plan
from eks_tf_auth.access.plan import AwsAuthData
from eks_tf_auth.access.translate import translate
from eks_tf_auth.commands import access_entries
from eks_tf_auth.errors import AwsError
from tests.access.support import ADMIN, CLUSTER, REGION, Stubs, item, role

MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/admin
      username: admin
      groups:
        - system:masters
"""
DATA = {"mapRoles": item(role("admin"), "admin", "system:masters")}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "aws-auth.yaml"
    path.write_text(MANIFEST)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["access-entries", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubs]:
    """The commands' AWS clients are these Stubbers; aws-auth is DATA, read 'live'."""
    stubs = Stubs()
    monkeypatch.setattr(
        planning,
        "client_factory",
        lambda who, environ: (who.region or REGION, lambda: stubs.clients),
    )
    monkeypatch.setattr(
        planning,
        "read_aws_auth",
        lambda **kw: AwsAuthData(
            f"live {kw['cluster'].cluster_name}" if kw["cluster"] else kw["file"], DATA
        ),
    )
    with stubs.active():
        yield stubs


def test_plan_offline_text_and_json(
    manifest: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "plan", "--from-aws-auth", "-f", str(manifest))
    assert (code, err) == (0, "")
    assert out.startswith("cluster: none given (planned offline)\n")
    code, out, _ = run(
        capsys,
        "plan",
        "--from-aws-auth",
        "-f",
        str(manifest),
        "--cluster-name",
        "prod",
        "--offline",
        "--output",
        "json",
    )
    saved = tmp_path / "plan.json"
    saved.write_text(out)
    assert json.loads(out)["cluster"]["name"] == "prod"
    code, text, _ = run(capsys, "render", "--plan", str(saved))
    assert code == 0 and 'resource "aws_eks_access_entry" "prod_admin"' in text
    code, again, _ = run(
        capsys,
        "render",
        "--from-aws-auth",
        "-f",
        str(manifest),
        "--cluster-name",
        "prod",
        "--offline",
    )
    assert again == text
    code, out, _ = run(capsys, "plan", "--plan", str(saved), "--cluster-name", "prod")
    assert code == 0 and "access entries: 1 to create" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan"], "say what to translate: --from-aws-auth (or --plan FILE)"),
        (["plan", "--from-aws-auth", "--plan", "p.json"], "--plan is read as it is"),
        (
            ["plan", "--from-aws-auth", "--all-clusters", "--cluster-name", "a"],
            "--all-clusters and --cluster-name both name the clusters",
        ),
        (
            ["plan", "--from-aws-auth", "-f", "x", "--cluster-name", "a", "--cluster-name", "b"],
            "-f and --kubeconfig/--context read one aws-auth",
        ),
        (["plan", "--from-aws-auth", "--offline"], "--offline reads aws-auth from a file"),
        (["plan", "--from-aws-auth", "-f", "x", "--region", "eu-west-1"], "go with --cluster-name"),
        (["render", "--from-aws-auth", "-f", "{manifest}"], "the plan names no cluster"),
        (["plan", "--plan", "{saved}", "--cluster-name", "other"], "has no plan for other"),
        (["apply"], "apply needs a cluster"),
        (["apply", "--plan", "{fleet}"], "holds 2 plans: pick one with --cluster-name"),
        (["set-mode", "OPEN", "--cluster-name", "x"], "'OPEN' is not one of"),
    ],
)
def test_input_errors_are_one_line(
    args: list[str],
    message: str,
    manifest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved = tmp_path / "saved.json"
    offline = planning.offline("prod", AwsAuthData("f", DATA))
    saved.write_text(json.dumps(offline.to_json()))
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({"clusters": [offline.to_json()] * 2, "failures": []}))
    paths = {"{manifest}": str(manifest), "{saved}": str(saved), "{fleet}": str(fleet)}
    code, out, err = run(capsys, *(paths.get(a, a) for a in args))
    assert (code, out) == (2, "")
    assert message in err.splitlines()[0]


def test_plan_against_one_cluster(aws: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    aws.describe().role("admin").entries()
    code, out, err = run(capsys, "plan", "--from-aws-auth", "--cluster-name", CLUSTER)
    assert (code, err) == (0, "")
    assert "authentication mode: API_AND_CONFIG_MAP" in out and "aws-auth: live prod" in out


def test_apply_creates_and_reports(aws: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    aws.describe().role("admin").entries()  # the plan
    aws.describe().offered(ADMIN).entries()  # apply
    aws.create(role("admin"), "STANDARD", "admin").associate(role("admin"))
    code, out, _ = run(capsys, "apply", "--from-aws-auth", "--cluster-name", CLUSTER)
    assert code == 0
    assert out.splitlines()[-1] == "1 created, 1 associated"


def test_apply_a_saved_plan_with_a_conflict_exits_1(
    aws: Stubs, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    facts = ClusterFacts(
        CLUSTER, "eu-west-1", "arn:aws:eks:eu-west-1:111122223333:cluster/prod", described=True
    )
    saved = tmp_path / "plan.json"
    plan = translate(DATA, source="s", cluster=facts)
    saved.write_text(json.dumps(plan.to_json()))
    aws.describe().offered(ADMIN).entries(role("admin")).entry(role("admin"), "EC2_LINUX")
    code, out, _ = run(capsys, "apply", "--plan", str(saved), "--dry-run")
    assert code == 1
    assert "(dry run: nothing changed)" in out and "1 conflicts left unchanged" in out


def _fleet_gather(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def gather(name: str, clients: Any, data: AwsAuthData, *, region: str) -> Plan:
        seen.append(name)
        if name == "broken":
            raise AwsError("cannot describe cluster 'broken': AccessDenied", hint="grant it")
        facts = ClusterFacts(name, region, None, "1.29", "eks.8", Mode.API_AND_CONFIG_MAP, True)
        return translate(data.data or {}, source=data.source, cluster=facts)

    monkeypatch.setattr(planning, "gather", gather)
    return seen


def test_a_fleet_is_one_table_and_a_failing_cluster_does_not_stop_it(
    aws: Stubs, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _fleet_gather(monkeypatch)
    names = ["a", "broken", "c"]
    code, out, err = run(capsys, "plan", "--from-aws-auth", *[f"--cluster-name={n}" for n in names])
    assert code == 1 and sorted(seen) == names
    assert out.splitlines() == [
        "CLUSTER  MODE                TO CREATE  BLOCKED  SWITCH TO API",
        "a        API_AND_CONFIG_MAP  1          0        after apply",
        "c        API_AND_CONFIG_MAP  1          0        after apply",
        "broken   -                   -          -        failed",
        "broken: cannot describe cluster 'broken': AccessDenied",
    ]
    assert "cluster broken: cannot describe cluster 'broken': AccessDenied (grant it)" in err
    code, out, _ = run(
        capsys,
        "plan",
        "--from-aws-auth",
        "--cluster-name=a",
        "--cluster-name=broken",
        "--output=json",
    )
    document = json.loads(out)
    assert [p["cluster"]["name"] for p in document["clusters"]] == ["a"]
    assert document["failures"] == [
        {
            "cluster": "broken",
            "error": "cannot describe cluster 'broken': AccessDenied",
            "hint": "grant it",
        }
    ]


def test_all_clusters_and_render_a_fleet(
    aws: Stubs, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fleet_gather(monkeypatch)
    aws.eks.add_response("list_clusters", {"clusters": ["a", "c"]}, {})
    code, out, _ = run(capsys, "render", "--from-aws-auth", "--all-clusters")
    assert code == 0 and out.count("# Access entries of EKS cluster") == 2
    aws.eks.add_response("list_clusters", {"clusters": ["broken"]}, {})
    code, out, _ = run(capsys, "render", "--from-aws-auth", "--all-clusters")
    assert (code, out) == (1, "")


def test_set_mode(aws: Stubs, capsys: pytest.CaptureFixture[str], manifest: Path) -> None:
    aws.describe("CONFIG_MAP")
    aws.eks.add_response(
        "update_cluster_config", {"update": {"id": "u9", "status": "Successful"}}, None
    )
    code, out, err = run(capsys, "set-mode", "API_AND_CONFIG_MAP", "--cluster-name", CLUSTER)
    assert code == 0 and out == "cluster prod: CONFIG_MAP -> API_AND_CONFIG_MAP (update u9, 0 s)\n"
    assert "one-way" in err
    aws.describe("API")
    code, out, _ = run(capsys, "set-mode", "API", "--cluster-name", CLUSTER)
    assert out == "cluster prod is in API mode already: nothing to do\n"
    aws.describe(None)
    aws.eks.add_response(
        "update_cluster_config", {"update": {"id": "u9", "status": "Successful"}}, None
    )
    code, out, _ = run(capsys, "set-mode", "API_AND_CONFIG_MAP", "--cluster-name", CLUSTER)
    assert out.startswith("cluster prod: an unreported mode -> API_AND_CONFIG_MAP")


def test_set_mode_api_checks_the_plan(
    aws: Stubs, capsys: pytest.CaptureFixture[str], manifest: Path
) -> None:
    aws.describe()  # set-mode's own look
    aws.describe().role("admin").entries()  # the plan, from -f
    code, out, err = run(capsys, "set-mode", "API", "--cluster-name", CLUSTER, "-f", str(manifest))
    assert (code, out) == (1, "")
    assert "refusing to switch cluster 'prod' to API" in err


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: access_entries._progress(1, 3, "a"), "\rplanning clusters: 1/3"),
        (lambda: access_entries._progress(3, 3, "a"), "\rplanning clusters: 3/3\n"),
        (lambda: access_entries._update_progress("InProgress", 12.4), "\rupdate InProgress: 12 s"),
        (lambda: access_entries._update_progress("Successful", 30), "\rupdate Successful: 30 s\n"),
    ],
)
def test_progress_lines(
    call: Callable[[], None], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    call()
    assert capsys.readouterr().err == expected
