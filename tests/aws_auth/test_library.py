"""eks_tf_auth.aws_auth, the library: read-modify-write with the resourceVersion against an
in-memory source and the HTTPS EKS API double (in this process), conflicts retried with the
injected sleep and nothing else retried, no write for a no-op, backups, the GitOps file target
(untouched bytes kept, atomic, refused when changed underneath), the targets (a cluster by name,
a kubeconfig context, in-cluster) and the report formats; and the library from a plain Python
function, with no click loaded."""

from __future__ import annotations

import difflib
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from eks_tf_auth import aws_auth
from eks_tf_auth.aws_auth import ClusterTarget, FileTarget, Retry
from eks_tf_auth.errors import Error, ExitCode, InputError, KubeError
from eks_tf_auth.kube.aws_auth import AwsAuth, Finding, Severity
from eks_tf_auth.kube.client import Conflict
from tests.aws_auth.helpers import (
    ALICE,
    CONTEXT,
    DEPLOY,
    ENV,
    NAME,
    NODE,
    NS,
    SEED,
    SEED_ROLES,
    assert_seed_kept,
    mappings,
    role,
    stored,
    version,
    writes,
)
from tests.support.aws import TEST_ARN, AwsEnv
from tests.support.eks_double import EksApiDouble


class Memory:
    """An aws-auth Source in memory with resourceVersions. `failures` are raised by the next
    writes, in order; `before_write` runs first on each write (another writer, say)."""

    def __init__(
        self,
        data: Mapping[str, str] | None = SEED,
        *,
        failures: tuple[Exception, ...] = (),
        before_write: Callable[[Memory], None] | None = None,
    ) -> None:
        self.name = "memory"
        self.data = None if data is None else dict(data)
        self.version = 1
        self.failures = list(failures)
        self.before_write = before_write
        self.reads = 0
        self.writes: list[tuple[dict[str, str], str | None]] = []

    def read(self) -> tuple[dict[str, str], str] | None:
        self.reads += 1
        return None if self.data is None else (dict(self.data), str(self.version))

    def write(self, data: Mapping[str, str], version: str | None) -> None:
        self.writes.append((dict(data), version))
        if self.before_write is not None:
            self.before_write(self)
        if self.failures:
            raise self.failures.pop(0)
        current = None if self.data is None else str(self.version)
        if version != current:
            raise Conflict(f"memory changed since version {version}")
        self.data, self.version = dict(data), self.version + 1


class Sleeps(list[float]):
    """An injected sleep: records each wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def one_line(error: Error, *parts: str) -> None:
    text = str(error)
    assert "\n" not in text and "\n" not in (error.hint or ""), text
    for part in parts:
        assert part in text, text


# -- read-modify-write against a source in memory ---------------------------------------------


def test_upsert_adds_a_mapping_and_keeps_everything_else() -> None:
    source = Memory()
    result = aws_auth.upsert(source, "mapRoles", DEPLOY, username="deploy", groups=["deployers"])
    assert (result.changed, result.written, result.conflicts, result.backup) == (
        True,
        True,
        0,
        None,  # backups are for clusters; a file is in git
    )
    [added] = result.change.added
    assert (added.arn, added.username, added.groups) == (DEPLOY, "deploy", ("deployers",))
    assert [version for _, version in source.writes] == ["1"]
    assert_seed_kept(source.data)
    assert source.data is not None
    assert mappings(source.data)["mapRoles"][-1] == (DEPLOY, "deploy", ("deployers",))
    assert result.diff.startswith("--- a/data/mapRoles\n+++ b/data/mapRoles\n")
    assert "+- rolearn: arn:aws:iam::111122223333:role/deploy\n" in result.diff


def test_a_no_op_writes_nothing() -> None:
    source = Memory()
    result = aws_auth.upsert(
        source,
        "mapRoles",
        role("NODE"),  # EKS compares role ARNs ignoring case
        username="system:node:{{EC2PrivateDNSName}}",
        groups=["system:nodes", "system:bootstrappers"],  # a set: the order is no change
    )
    assert (result.changed, result.written, result.diff) == (False, False, "")
    assert source.writes == []
    assert source.data == SEED


def test_a_dry_run_gives_the_diff_and_writes_nothing() -> None:
    source = Memory()
    result = aws_auth.remove_by_username(source, "alice", dry_run=True)
    assert (result.changed, result.written) == (True, False)
    assert result.diff.startswith("--- a/data/mapUsers\n+++ b/data/mapUsers\n")
    assert "-- userarn: arn:aws:iam::111122223333:user/alice\n" in result.diff
    assert source.writes == []


def test_a_conflict_reads_again_and_applies_the_edit_to_what_the_other_writer_wrote() -> None:
    def other_writer(source: Memory) -> None:
        if len(source.writes) == 1:  # between our read and our first write
            assert source.data is not None
            source.data = dict(
                AwsAuth.parse(source.data)
                .upsert("mapRoles", role("other"), username="other", groups=["o"])[0]
                .to_data()
            )
            source.version += 1

    source = Memory(before_write=other_writer)
    sleeps = Sleeps()
    result = aws_auth.upsert(
        source,
        "mapRoles",
        DEPLOY,
        username="deploy",
        groups=["deployers"],
        retry=Retry(min_time=0.2, max_time=30),
        sleep=sleeps,
    )
    assert (result.written, result.conflicts) == (True, 1)
    assert len(sleeps) == 1 and 0.1 <= sleeps[0] <= 0.2  # the first wait: half to all of 200ms
    assert [version for _, version in source.writes] == ["1", "2"]
    assert source.data is not None
    arns = [arn for arn, _, _ in mappings(source.data)["mapRoles"]]
    assert arns == [NODE, role("other"), DEPLOY]  # nobody's update lost
    assert_seed_kept(source.data)


def test_a_conflict_storm_stops_at_the_retry_budget() -> None:
    source = Memory(failures=(Conflict("409"),) * 20)
    sleeps = Sleeps()
    with pytest.raises(KubeError) as caught:
        aws_auth.upsert(
            source,
            "mapRoles",
            DEPLOY,
            username="deploy",
            groups=[],
            retry=Retry(max_count=5, min_time=0.1, max_time=0.3),
            sleep=sleeps,
        )
    one_line(caught.value, "kube-system/aws-auth ConfigMap in memory kept changing", "5 confl")
    assert caught.value.exit_code == ExitCode.FAILED
    assert not isinstance(caught.value, Conflict)
    assert len(source.writes) == 5  # tries == max_count
    assert source.reads == 5
    assert len(sleeps) == 4
    assert all(0.05 <= s <= 0.3 for s in sleeps) and sleeps[3] >= 0.15  # doubled, then capped
    assert source.data == SEED


def test_without_retries_a_conflict_is_tried_once() -> None:
    source = Memory(failures=(Conflict("409"),))
    sleeps = Sleeps()
    with pytest.raises(KubeError, match="1 conflicting write"):
        aws_auth.remove(
            source, "mapUsers", ALICE, retry=Retry(enabled=False, max_count=12), sleep=sleeps
        )
    assert (len(source.writes), sleeps) == (1, [])


@pytest.mark.parametrize(
    "failure",
    [KubeError("403 Forbidden"), InputError("bad"), OSError("disk")],
    ids=["403", "input", "oserror"],
)
def test_only_conflicts_are_retried(failure: Exception) -> None:
    source = Memory(failures=(failure,))
    sleeps = Sleeps()
    with pytest.raises(type(failure)) as caught:
        aws_auth.upsert(source, "mapRoles", DEPLOY, username="d", groups=[], sleep=sleeps)
    assert caught.value is failure
    assert (len(source.writes), source.reads, sleeps) == (1, 1, [])


def test_the_backoff_doubles_is_capped_and_jittered() -> None:
    retry = Retry(min_time=0.2, max_time=1.0)
    assert [retry.delay(n, jitter=lambda: 1.0) for n in (1, 2, 3, 4)] == [0.2, 0.4, 0.8, 1.0]
    assert [retry.delay(n, jitter=lambda: 0.0) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.4, 0.5]
    assert retry.delay(5000, jitter=lambda: 1.0) == 1.0  # no overflow on a long storm
    assert Retry(min_time=0, max_time=0).delay(2000) == 0.0
    assert Retry() == Retry(enabled=True, max_count=12, min_time=0.2, max_time=30.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"max_count": 0},
        {"min_time": -1.0},
        {"min_time": 2.0, "max_time": 1.0},
        {"max_time": 3601.0},
    ],
)
def test_retry_bounds_are_checked(bad: dict[str, float]) -> None:
    with pytest.raises(InputError, match="retries need a count of at least 1"):
        Retry(**bad)  # type: ignore[arg-type]


def test_a_missing_configmap() -> None:
    with pytest.raises(KubeError, match=r"there is no kube-system/aws-auth ConfigMap in memory$"):
        aws_auth.get(Memory(None))
    with pytest.raises(KubeError, match="nothing to edit") as caught:
        aws_auth.upsert(Memory(None), "mapRoles", DEPLOY, username="d", groups=[])
    assert caught.value.hint == "pass --create to make one with this mapping"
    removals: list[Callable[[Memory], object]] = [
        lambda s: aws_auth.remove(s, "mapRoles", DEPLOY),
        lambda s: aws_auth.remove_by_username(s, "d"),
    ]
    for removal in removals:
        with pytest.raises(KubeError, match="nothing to edit") as caught:
            removal(Memory(None))
        assert caught.value.hint == "there is nothing to remove"


def test_create_makes_the_configmap_without_a_version() -> None:
    source = Memory(None)
    result = aws_auth.upsert(
        source, "mapUsers", ALICE, username="alice", groups=["devs"], create=True
    )
    assert result.written and result.diff.startswith("--- /dev/null\n+++ b/data/mapUsers\n")
    assert [version for _, version in source.writes] == [None]
    assert source.data is not None and mappings(source.data)["mapUsers"] == [
        (ALICE, "alice", ("devs",))
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: aws_auth.upsert(
                s, "mapRoles", "arn:aws:iam::1234:role/x", username="u", groups=[]
            ),
            "rolearn arn:aws:iam::1234:role/x is not an IAM role or user ARN",
        ),
        (
            lambda s: aws_auth.upsert(s, "mapRoles", DEPLOY, username="u", groups=[""]),
            "invalid group ''",
        ),
        (
            lambda s: aws_auth.upsert(s, "mapRoles", DEPLOY, username="", groups=[]),
            "invalid username ''",
        ),
        (
            lambda s: aws_auth.upsert(s, "mapUsers", DEPLOY, username="u", groups=[]),
            "is a role",
        ),
        (lambda s: aws_auth.remove(s, "mapRoles", "deploy"), "not an AWS ARN: 'deploy'"),
        (
            lambda s: aws_auth.remove(s, "mapRoles", "arn:aws:s3:::bucket", username="u"),
            "not an IAM identity ARN",
        ),
        (lambda s: aws_auth.remove_by_username(s, ""), "needs a username"),
    ],
    ids=["arn", "empty-group", "empty-username", "role-as-user", "not-an-arn", "s3", "username"],
)
def test_bad_input_fails_before_anything_is_read(
    edit: Callable[[Memory], object], message: str
) -> None:
    source = Memory()
    with pytest.raises(InputError, match=message):
        edit(source)
    assert (source.reads, source.writes) == (0, [])


def test_update_username_false_keeps_the_username_and_append_adds_only_missing_groups() -> None:
    source = Memory()
    kept = aws_auth.upsert(
        source, "mapUsers", ALICE, username="alice-new", groups=["devs"], update_username=False
    )
    assert not kept.changed and source.writes == []
    renamed = aws_auth.upsert(
        source, "mapUsers", ALICE, username="alice-new", groups=["ops"], update_username=False
    )
    [(before, after)] = renamed.change.updated
    assert (before.username, after.username, after.groups) == ("alice", "alice", ("ops",))
    appended = aws_auth.upsert(
        source, "mapUsers", ALICE, username="alice", groups=["ops", "qa"], append=True
    )
    assert appended.change.updated[0][1].groups == ("ops", "qa")
    again = aws_auth.upsert(source, "mapUsers", ALICE, username="alice", groups=["qa"], append=True)
    assert not again.changed  # qa is there: append never removes, never duplicates
    replaced = aws_auth.upsert(source, "mapUsers", ALICE, username="al", groups=["qa"])
    after = replaced.change.updated[0][1]
    assert (after.username, after.groups) == ("al", ("qa",))
    assert source.data is not None
    [alice] = AwsAuth.parse(source.data).entries("mapUsers")
    assert (alice.username, alice.groups, dict(alice.extra)) == (
        "al",
        ("qa",),
        {"userid": "AIDAEXAMPLEALICE00001"},  # the field no edit names
    )


REMOVE_SEED = {
    "mapRoles": f"""\
- rolearn: {DEPLOY}
  username: deploy
  groups: [a, b]
- rolearn: {DEPLOY}
  username: deploy
  groups: [c]
- rolearn: {DEPLOY}
  username: ci
  groups: [b, a]
- rolearn: {NODE}
  username: deploy
  groups: []
""",
    "mapUsers": f"- userarn: {ALICE}\n  username: deploy\n  groups: []\n",
}


@pytest.mark.parametrize(
    ("username", "groups", "left"),
    [
        (None, None, [(NODE, "deploy", ())]),
        ("deploy", None, [(DEPLOY, "ci", ("b", "a")), (NODE, "deploy", ())]),
        (None, ["a", "b"], [(DEPLOY, "deploy", ("c",)), (NODE, "deploy", ())]),
        (
            "deploy",
            ["b", "a"],
            [(DEPLOY, "deploy", ("c",)), (DEPLOY, "ci", ("b", "a")), (NODE, "deploy", ())],
        ),
    ],
    ids=["all", "username", "groups", "both"],
)
def test_remove_narrowed_removes_only_full_matches(
    username: str | None, groups: list[str] | None, left: list[object]
) -> None:
    source = Memory(REMOVE_SEED)
    result = aws_auth.remove(source, "mapRoles", role("DEPLOY"), username=username, groups=groups)
    assert result.written
    assert source.data is not None
    assert mappings(source.data)["mapRoles"] == left
    assert source.data["mapUsers"] == REMOVE_SEED["mapUsers"]


def test_remove_of_nothing_writes_nothing() -> None:
    source = Memory(REMOVE_SEED)
    result = aws_auth.remove(source, "mapRoles", DEPLOY, username="deploy", groups=["a"])
    assert (result.changed, result.written, source.writes) == (False, False, [])


def test_remove_by_username_removes_roles_and_users() -> None:
    source = Memory(REMOVE_SEED)
    result = aws_auth.remove_by_username(source, "deploy")
    assert len(result.change.removed) == 4
    assert source.data is not None
    assert mappings(source.data) == {"mapRoles": [(DEPLOY, "ci", ("b", "a"))], "mapUsers": []}


# -- backups ----------------------------------------------------------------------------------


def test_backup_directory_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    state = os.path.join(".local", "state", "eks-tf-auth", "aws-auth-backups")
    assert aws_auth.backup_directory({"EKS_TF_AUTH_BACKUP_DIR": "/b"}) == "/b"
    assert aws_auth.backup_directory({"XDG_STATE_HOME": "/s"}) == "/s/eks-tf-auth/aws-auth-backups"
    assert aws_auth.backup_directory({"XDG_STATE_HOME": "rel"}) == str(tmp_path / state)
    assert aws_auth.backup_directory({"EKS_TF_AUTH_BACKUP_DIR": ""}) == str(tmp_path / state)


# -- the cluster target, through the EKS API double (HTTPS, in this process) --------------------


def test_upsert_through_the_double_keeps_accounts_other_keys_and_userid(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        assert isinstance(target, ClusterTarget) and target.name == CONTEXT
        result = aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="deploy",
            groups=["deployers"],
            backup_dir=str(tmp_path / "backups"),
        )
    assert result.written
    data = stored(seeded)
    assert_seed_kept(data)
    assert data is not None and mappings(data)["mapRoles"][-1] == (DEPLOY, "deploy", ("deployers",))
    assert [(r.method, r.status) for r in seeded.requests] == [("GET", 200), ("PUT", 200)]
    assert {r.arn for r in seeded.requests} == {TEST_ARN}


def test_a_no_op_through_the_double_sends_no_write(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        result = aws_auth.upsert(
            target,
            "mapUsers",
            ALICE,
            username="alice",
            groups=["devs"],
            backup_dir=str(tmp_path / "backups"),
        )
        removed = aws_auth.remove(target, "mapRoles", DEPLOY, backup_dir=str(tmp_path / "b"))
    assert not result.written and not removed.written
    assert writes(seeded) == []
    assert version(seeded) == "2"
    assert not (tmp_path / "backups").exists() and not (tmp_path / "b").exists()


def test_a_409_then_success_retries_once_with_the_injected_sleep(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    seeded.answer(409, methods={"PUT"}, times=1)
    sleeps = Sleeps()
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        result = aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="deploy",
            groups=["d"],
            backup_dir=str(tmp_path),
            retry=Retry(min_time=0.5, max_time=1.0),
            sleep=sleeps,
        )
    assert (result.written, result.conflicts) == (True, 1)
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5
    assert [(r.method, r.status) for r in seeded.requests] == [
        ("GET", 200),
        ("PUT", 409),
        ("GET", 200),
        ("PUT", 200),
    ]
    assert_seed_kept(stored(seeded))


def test_a_conflict_storm_through_the_double_tries_max_count_times(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    seeded.answer(409, methods={"PUT"})
    sleeps = Sleeps()
    with (
        aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target,
        pytest.raises(KubeError) as caught,
    ):
        aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="deploy",
            groups=[],
            backup_dir=str(tmp_path),
            retry=Retry(max_count=4, min_time=0, max_time=0),
            sleep=sleeps,
        )
    one_line(caught.value, "in eks kept changing: 4 conflicting write(s), nothing written")
    assert [r.status for r in writes(seeded)] == [409] * 4
    assert sleeps == [0.0] * 3
    assert (stored(seeded), version(seeded)) == (SEED, "2")


def test_a_403_is_not_retried_and_names_the_cluster(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    seeded.answer(403, methods={"PUT"})
    sleeps = Sleeps()
    with (
        aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target,
        pytest.raises(KubeError) as caught,
    ):
        aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="d",
            groups=[],
            backup_dir=str(tmp_path),
            sleep=sleeps,
        )
    one_line(caught.value, "cannot replace ConfigMap kube-system/aws-auth in cluster 'eks'", "403")
    assert not isinstance(caught.value, Conflict)
    assert ([r.status for r in writes(seeded)], sleeps) == ([403], [])
    assert stored(seeded) == SEED


def test_get_never_creates_and_create_does(
    double: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        with pytest.raises(KubeError, match="there is no kube-system/aws-auth ConfigMap in eks"):
            aws_auth.get(target)
        with pytest.raises(KubeError, match="nothing to edit"):
            aws_auth.upsert(target, "mapRoles", DEPLOY, username="d", groups=[])
        assert writes(double) == []
        result = aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="d",
            groups=["g"],
            create=True,
            backup_dir=str(tmp_path / "backups"),
        )
        model = aws_auth.get(target)
    assert result.written and result.backup is None  # nothing to back up
    assert not (tmp_path / "backups").exists()
    assert [(r.method, r.status) for r in writes(double)] == [("POST", 201)]
    assert [(e.arn, e.username, e.groups) for e in model.entries("mapRoles")] == [
        (DEPLOY, "d", ("g",))
    ]


def test_create_that_meets_a_configmap_created_meanwhile_edits_it(
    double: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        original = target.read

        def read() -> tuple[dict[str, str], str] | None:
            found = original()
            if stored(double) is None:  # another writer creates it after our first read
                double.put_configmap(NS, NAME, SEED)
            return found

        target.read = read  # type: ignore[method-assign]
        result = aws_auth.upsert(
            target,
            "mapRoles",
            DEPLOY,
            username="d",
            groups=[],
            create=True,
            backup_dir=str(tmp_path),
            sleep=Sleeps(),
        )
    assert (result.written, result.conflicts) == (True, 1)
    assert [(r.method, r.status) for r in writes(double)] == [("POST", 409), ("PUT", 200)]
    assert_seed_kept(stored(double))


def test_impersonation_headers_on_every_request(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    with aws_auth.open_target(
        kubeconfig=str(kubeconfig), as_user="admin", as_groups=("ops", "auditors"), environ=ENV
    ) as target:
        aws_auth.upsert(
            target, "mapRoles", DEPLOY, username="d", groups=[], backup_dir=str(tmp_path)
        )
    assert len(seeded.requests) == 2
    assert {(r.impersonate_user, r.impersonate_groups) for r in seeded.requests} == {
        ("admin", ("ops", "auditors"))
    }


def test_every_write_saves_a_private_backup_of_the_previous_configmap(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    backups = tmp_path / "backups" / "deep"
    with aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target:
        first = aws_auth.upsert(
            target, "mapRoles", DEPLOY, username="d", groups=[], backup_dir=str(backups)
        )
        between = stored(seeded)
        second = aws_auth.remove_by_username(target, "alice", backup_dir=str(backups))
    assert first.backup is not None and second.backup is not None
    assert sorted(os.listdir(backups)) == sorted(
        os.path.basename(b) for b in (first.backup, second.backup)
    )
    assert os.path.basename(first.backup).startswith("eks-") and first.backup.endswith("-rv2.json")
    for backup, data in ((first.backup, SEED), (second.backup, between)):
        assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
        manifest = json.loads(Path(backup).read_text())
        assert manifest == {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": data,
        }
    assert stat.S_IMODE(os.stat(backups).st_mode) == 0o700


def test_a_backup_that_cannot_be_saved_stops_the_write(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with (
        aws_auth.open_target(kubeconfig=str(kubeconfig), environ=ENV) as target,
        pytest.raises(InputError, match=r"cannot save a backup in .*; nothing written"),
    ):
        aws_auth.upsert(
            target, "mapRoles", DEPLOY, username="d", groups=[], backup_dir=str(blocker)
        )
    assert writes(seeded) == []


def test_a_backup_name_keeps_only_safe_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EKS_TF_AUTH_BACKUP_DIR", str(tmp_path / "b"))
    path = aws_auth._save_backup("arn:aws:eks:x/../../c", {"k": "v"}, "../../7", None)
    assert os.path.dirname(path) == str(tmp_path / "b")
    assert "/" not in os.path.basename(path) and os.path.basename(path).endswith("-rv______7.json")


# -- targets ----------------------------------------------------------------------------------


def test_a_cluster_by_name_with_impersonation(
    seeded: EksApiDouble, described: list[str], tmp_path: Path
) -> None:
    with aws_auth.cluster(
        "prod", region="us-west-2", as_user="u", as_groups=["g"], environ=ENV
    ) as target:
        assert target.name == "prod"
        model = aws_auth.get(target)
    assert [e.arn for e in model.entries("mapRoles")] == [NODE]
    assert described == ["prod"]
    [request] = seeded.requests
    assert (request.arn, request.impersonate_user, request.impersonate_groups) == (
        TEST_ARN,
        "u",
        ("g",),
    )


def test_open_target_by_cluster_name_and_os_environ(
    seeded: EksApiDouble, described: list[str], aws_env: AwsEnv
) -> None:
    with aws_auth.open_target(cluster_name="prod", region="us-west-2") as target:
        assert isinstance(target, ClusterTarget) and target.name == "prod"
        assert aws_auth.get(target).accounts == ("444455556666",)


def test_a_kubeconfig_context(seeded: EksApiDouble, kubeconfig: Path) -> None:
    with aws_auth.open_target(kubeconfig=str(kubeconfig), context="eks", environ={}) as target:
        assert target.name == "eks"
        assert aws_auth.get(target).entries("mapUsers")[0].arn == ALICE
    with (
        aws_auth.open_target(context="other", environ={"KUBECONFIG": str(kubeconfig)}) as other,
        pytest.raises(KubeError, match="in cluster 'other': 401 Unauthorized"),
    ):
        aws_auth.get(other)  # the context with no user


def test_in_cluster_explicit_and_detected(
    seeded: EksApiDouble, service_account: dict[str, str], kubeconfig: Path
) -> None:
    env = {**ENV, **service_account}
    with aws_auth.open_target(in_cluster=True, environ=env) as target:
        assert target.name == "in-cluster"
        assert aws_auth.get(target).accounts == ("444455556666",)
    with aws_auth.open_target(environ=env) as detected:  # a pod with no kubeconfig
        assert detected.name == "in-cluster"
    # kubectl's order: a kubeconfig (KUBECONFIG, then ~/.kube/config) wins over the pod's
    with aws_auth.open_target(environ={**env, "KUBECONFIG": str(kubeconfig)}) as chosen:
        assert chosen.name == CONTEXT
    home = Path(service_account["HOME"])
    (home / ".kube").mkdir(parents=True)
    (home / ".kube" / "config").write_text(kubeconfig.read_text())
    with aws_auth.open_target(environ=env) as chosen:
        assert chosen.name == CONTEXT
    assert {r.arn for r in seeded.requests} == {TEST_ARN}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"file": "f", "cluster_name": "c"}, "-f/--file and --cluster-name name different targets"),
        ({"cluster_name": "c", "context": "x"}, "--cluster-name and --kubeconfig/--context"),
        ({"kubeconfig": "k", "in_cluster": True}, "--kubeconfig/--context and --in-cluster"),
        ({"file": "f", "region": "us-west-2"}, "go with --cluster-name"),
        ({"profile": "p"}, "go with --cluster-name"),
        ({"file": "f", "as_user": "u"}, "--as and --as-group need a cluster"),
        ({"file": "f", "as_groups": ("g",)}, "--as and --as-group need a cluster"),
    ],
)
def test_open_target_refuses_what_does_not_go_together(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message), aws_auth.open_target(environ={}, **options):  # type: ignore[arg-type]
        pass


# -- the GitOps file target -------------------------------------------------------------------

MANIFEST = """\
# aws-auth for the prod cluster; reviewed by #platform
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
  annotations:
    owner: platform   # who to ask
data:
  mapAccounts: |
    - "444455556666"
  mapRoles: |
    # EKS managed node groups: never remove
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
        - system:bootstrappers
        - system:nodes
  mapUsers: "- userarn: arn:aws:iam::111122223333:user/alice\\n  username: alice\\n  userid: \\
    AIDAEXAMPLEALICE00001\\n  groups: [devs]\\n"
  platform.note: owned by the platform team
---
apiVersion: v1
kind: Namespace
metadata: {name: tools}   # another document, untouched
"""


def manifest(tmp_path: Path, text: str = MANIFEST, mode: int = 0o640) -> Path:
    path = tmp_path / "aws-auth.yaml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_a_file_edit_keeps_every_untouched_byte(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    target = FileTarget(str(path))
    result = aws_auth.upsert(target, "mapRoles", DEPLOY, username="deploy", groups=["deployers"])
    assert result.written and result.backup is None
    after = path.read_text()
    before_lines, after_lines = MANIFEST.splitlines(keepends=True), after.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(a=before_lines, b=after_lines, autojunk=False).get_opcodes()
    inserted = [line for tag, _, _, j1, j2 in ops if tag == "insert" for line in after_lines[j1:j2]]
    assert {tag for tag, *_ in ops} == {"equal", "insert"}  # nothing changed, only added
    assert inserted == [
        "    - rolearn: arn:aws:iam::111122223333:role/deploy\n",
        "      username: deploy\n",
        "      groups:\n",
        "        - deployers\n",
    ]
    data = aws_auth.get(target)
    assert [e.arn for e in data.entries("mapRoles")] == [NODE, DEPLOY]
    assert data.accounts == ("444455556666",)
    assert data.entries("mapUsers")[0].extra == {"userid": "AIDAEXAMPLEALICE00001"}


def test_a_file_edit_of_a_quoted_value_changes_only_that_value(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    aws_auth.remove_by_username(FileTarget(str(path)), "alice")
    before_lines = MANIFEST.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(
        a=before_lines, b=path.read_text().splitlines(keepends=True), autojunk=False
    ).get_opcodes()
    replaced = [line for tag, i1, i2, _, _ in ops if tag != "equal" for line in before_lines[i1:i2]]
    assert replaced == [line for line in before_lines if "mapUsers" in line or "AIDA" in line]
    assert len(replaced) == 2  # the value (over two lines) and nothing else
    assert mappings(FileTarget(str(path)).read()[0])["mapUsers"] == []


def test_a_file_no_op_leaves_the_file_alone(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    before = os.stat(path)
    result = aws_auth.upsert(
        FileTarget(str(path)), "mapUsers", ALICE, username="alice", groups=["devs"]
    )
    assert not result.written
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_file_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = manifest(tmp_path)
    inode = os.stat(path).st_ino
    aws_auth.upsert(FileTarget(str(path)), "mapRoles", DEPLOY, username="d", groups=[])
    assert os.stat(path).st_ino != inode  # a new file renamed over the old one
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # its mode kept
    assert sorted(os.listdir(tmp_path)) == ["aws-auth.yaml"]  # no temporary file left
    written = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        aws_auth.remove_by_username(FileTarget(str(path)), "alice")
    assert path.read_text() == written  # the old file, whole
    assert sorted(os.listdir(tmp_path)) == ["aws-auth.yaml"]


def test_a_file_changed_between_read_and_write_is_refused(tmp_path: Path) -> None:
    path = manifest(tmp_path)
    theirs = MANIFEST.replace("owner: platform", "owner: security")

    class Raced(FileTarget):
        def read(self) -> tuple[dict[str, str], str]:
            found = super().read()
            path.write_text(theirs)  # someone saves the file meanwhile
            return found

    with pytest.raises(KubeError) as caught:
        aws_auth.upsert(Raced(str(path)), "mapRoles", DEPLOY, username="d", groups=[])
    one_line(caught.value, "aws-auth.yaml changed while it was being edited; nothing written")
    assert path.read_text() == theirs


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "cannot read .*aws-auth.yaml: No such file or directory"),
        (lambda p: p.mkdir(), "aws-auth.yaml is not a regular file"),
        (lambda p: os.mkfifo(p), "aws-auth.yaml is not a regular file"),
        (lambda p: p.write_bytes(b"data:\n  mapRoles: \xff\n"), "aws-auth.yaml: not UTF-8 text"),
        (lambda p: p.write_bytes(b"#" * (4 * 1024 * 1024 + 1)), "larger than 4 MiB"),
        (lambda p: p.write_text("data: [\n"), "the manifest is not valid YAML"),
        (lambda p: p.write_text("kind: Secret\n"), "not the aws-auth ConfigMap"),
    ],
    ids=["missing", "directory", "fifo", "not-utf8", "huge", "yaml", "not-aws-auth"],
)
def test_a_file_that_cannot_be_read(
    tmp_path: Path, setup: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "aws-auth.yaml"
    setup(path)
    with pytest.raises(InputError, match=message):
        aws_auth.get(FileTarget(str(path)))


def test_a_file_with_a_character_device() -> None:
    with pytest.raises(InputError, match="/dev/zero is not a regular file"):
        FileTarget("/dev/zero").read()


def test_read_manifest_from_a_stream() -> None:
    data = aws_auth.read_manifest(io.BytesIO(MANIFEST.encode()))
    assert list(data) == ["mapAccounts", "mapRoles", "mapUsers", "platform.note"]
    with pytest.raises(InputError, match="larger than 4 MiB"):
        aws_auth.read_manifest(io.BytesIO(b" " * (4 * 1024 * 1024 + 1)))
    with pytest.raises(InputError, match="cannot read <stdin>: not UTF-8"):
        aws_auth.read_manifest(io.BytesIO(b"\xfe"))


# -- reports ----------------------------------------------------------------------------------

REPORTED = {
    "mapRoles": f"""\
- rolearn: {NODE}
  username: system:node:{{{{EC2PrivateDNSName}}}}
  groups: [system:bootstrappers, system:nodes]
- rolearn: arn:aws:iam::111122223333:role/team/deploy
  username: deploy
  groups: [system:masters]
""",
    "mapAccounts": '- "444455556666"\n',
}


def test_table_lists_roles_users_accounts_and_why_eks_ignores_an_entry() -> None:
    model = AwsAuth.parse(
        {
            "mapRoles": f"- rolearn: {NODE}\n  username: nodes\n  groups: [a, b]\n",
            "mapUsers": "- username: nobody\n",
            "mapAccounts": '- "444455556666"\n',
        }
    )
    assert aws_auth.table(model) == (
        "TYPE     ARN                                  USERNAME  GROUPS\n"
        "role     arn:aws:iam::111122223333:role/node  nodes     a,b\n"
        "user     (ignored by EKS: it has no userarn)  nobody\n"
        "account  444455556666\n"
    )


def test_document_is_every_mapping_with_lines() -> None:
    doc = aws_auth.document(AwsAuth.parse({**REPORTED, "mapUsers": "{", "other": "x"}))
    assert doc["mapRoles"] == [
        {
            "arn": NODE,
            "username": "system:node:{{EC2PrivateDNSName}}",
            "groups": ["system:bootstrappers", "system:nodes"],
            "line": 1,
        },
        {
            "arn": "arn:aws:iam::111122223333:role/team/deploy",
            "username": "deploy",
            "groups": ["system:masters"],
            "line": 4,
        },
    ]
    assert (doc["mapUsers"], doc["mapAccounts"], doc["invalidKeys"]) == (
        [],
        ["444455556666"],
        ["mapUsers"],
    )


FINDINGS = [
    Finding("role-arn-path", "mapRoles", 4, "has a path", Severity.ERROR),
    Finding("system-masters", "mapRoles", 6, "grants system:masters", Severity.NOTE),
]


def test_findings_as_text_json_and_sarif() -> None:
    assert aws_auth.findings(FINDINGS, "text", "f.yaml") == (
        "f.yaml: mapRoles:4: error: has a path [role-arn-path]\n"
        "f.yaml: mapRoles:6: note: grants system:masters [system-masters]\n"
    )
    assert aws_auth.findings([], "text", "f.yaml") == "f.yaml: no findings\n"
    doc = json.loads(aws_auth.findings(FINDINGS, "json", "f.yaml"))
    assert doc["source"] == "f.yaml"
    assert doc["findings"][0] == {
        "code": "role-arn-path",
        "key": "mapRoles",
        "line": 4,
        "severity": "error",
        "message": "has a path",
    }
    sarif = json.loads(aws_auth.findings(FINDINGS, "sarif", "f.yaml"))
    assert (sarif["version"], sarif["$schema"]) == (
        "2.1.0",
        "https://json.schemastore.org/sarif-2.1.0.json",
    )
    [run] = sarif["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["role-arn-path", "system-masters"]
    assert run["results"][1] == {
        "ruleId": "system-masters",
        "level": "note",
        "message": {"text": "mapRoles: grants system:masters"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "f.yaml"},
                    "region": {"startLine": 6},
                }
            }
        ],
    }


def test_only_errors_and_warnings_fail() -> None:
    assert aws_auth.failing(FINDINGS)
    assert not aws_auth.failing(FINDINGS[1:])
    assert not aws_auth.failing([])
    warning = Finding("w", "mapRoles", 1, "m", Severity.WARNING)
    assert aws_auth.failing([warning])


# -- from a plain Python function -------------------------------------------------------------

HANDLER = """\
import json, sys

from eks_tf_auth import Error, aws_auth


def handler(event):
    try:
        with aws_auth.open_target(kubeconfig=event["kubeconfig"]) as target:
            result = aws_auth.upsert(
                target, "mapRoles", event["role_arn"], username="ci", groups=["ci-deployers"]
            )
            again = aws_auth.upsert(
                target, "mapRoles", event["role_arn"], username="ci", groups=["ci-deployers"]
            )
    except Error as e:
        return {"error": e.message}
    return {"changed": result.changed, "written": result.written, "again": again.written,
            "backup": result.backup}


print(json.dumps({"result": handler(json.loads(sys.argv[1])),
                  "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_the_library_from_a_plain_python_function(
    seeded: EksApiDouble, kubeconfig: Path, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KUBE", "EKS_TF"))},
        **ENV,
        "HOME": str(tmp_path),
        "EKS_TF_AUTH_BACKUP_DIR": str(tmp_path / "backups"),
    }
    event = {"kubeconfig": str(kubeconfig), "role_arn": DEPLOY}
    proc = subprocess.run(
        [sys.executable, "-c", HANDLER, json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    result = doc["result"]
    assert (result["changed"], result["written"], result["again"]) == (True, True, False)
    assert result["backup"].startswith(str(tmp_path / "backups"))
    assert "click" not in doc["loaded"]
    assert not {"jinja2", "hcl2", "lark"} & set(doc["loaded"])
    data = stored(seeded)
    assert data is not None and mappings(data)["mapRoles"][-1] == (DEPLOY, "ci", ("ci-deployers",))
    assert data["mapRoles"].startswith(SEED_ROLES)
