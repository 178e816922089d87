"""kube.kubeconfig: merges into an existing kubeconfig the way `aws eks update-kubeconfig` does
(foreign entries kept in place, a backup, the file's mode kept), atomic writes (a crash before the
rename or a failed write leaves the old file), broken or unreadable kubeconfigs refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.files import write_atomic
from tests.support.render import ENDPOINT, KUBECONFIG_CASES

EXISTING = """\
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://other.example:6443", insecure-skip-tls-verify: true}
- name: prod
  cluster: {server: "https://stale.example"}
contexts:
- name: other
  context: {cluster: other, user: other, namespace: team-a}
- name: prod
  context: {cluster: prod, user: prod}
users:
- name: other
  user: {token: keep-me}
- name: prod
  user: {token: stale}
current-context: other
preferences: {colors: true}
extensions:
- name: custom
  extension: {x: 1}
"""


def render_prod(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    path = tmp_path / "config"
    path.write_text(EXISTING)
    path.chmod(0o640)
    code = cli.main(
        [
            "render",
            "kubeconfig",
            *KUBECONFIG_CASES["kubeconfig-v1"],
            "--merge-into",
            str(path),
            *extra,
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out == ""
    return path


def test_merge_keeps_what_it_does_not_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = render_prod(tmp_path, capsys)
    old, new = yaml.safe_load(EXISTING), yaml.safe_load(path.read_text())
    for section in ("clusters", "contexts", "users"):
        assert new[section][0] == old[section][0]  # "other" untouched, in place
        assert [e["name"] for e in new[section]] == ["other", "prod"]
    assert new["users"][1]["user"]["exec"]["command"] == "eks-tf-auth"
    assert new["clusters"][1]["cluster"]["server"] == ENDPOINT
    assert new["current-context"] == "other"  # not without --set-context
    assert new["preferences"] == {"colors": True} and new["extensions"] == old["extensions"]
    assert (tmp_path / "config.bak").read_text() == EXISTING
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "config.bak"]


def test_merge_set_context_and_new_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = render_prod(tmp_path, capsys, "--set-context")
    assert yaml.safe_load(path.read_text())["current-context"] == "prod"
    fresh = tmp_path / "new" / "config"
    assert (
        cli.main(
            ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(fresh)]
        )
        == 0
    )
    assert fresh.stat().st_mode & 0o777 == 0o600
    assert yaml.safe_load(fresh.read_text())["current-context"] == "prod"
    assert not (tmp_path / "new" / "config.bak").exists()


def test_merge_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = render_prod(tmp_path, capsys)
    once = path.read_text()
    cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    assert path.read_text() == once


CRASH = """
import os, sys
from eks_tf_auth import cli
def crash(*args):
    os._exit(70)  # killed between writing the temporary file and renaming it
os.replace = crash
sys.exit(cli.main(sys.argv[1:]))
"""


def test_crash_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(EXISTING)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH,
            "render",
            "kubeconfig",
            *KUBECONFIG_CASES["kubeconfig-v1"],
            "--merge-into",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 70
    assert path.read_text() == EXISTING


@pytest.mark.parametrize("bad", ["{oops", "- a list\n", "clusters: 3\n"])
def test_merge_into_a_broken_kubeconfig_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = tmp_path / "config"
    path.write_text(bad)
    code = cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"eks-tf-auth: error: {path}")
    assert path.read_text() == bad


def test_merge_into_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"\xff\xfe binary")
    code = cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    assert code == 2 and "cannot read" in capsys.readouterr().err
    assert path.read_bytes() == b"\xff\xfe binary"


def test_failed_atomic_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config"
    target.write_text("old")

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched, pytest.raises(OSError):
        patched.setattr(os, "replace", full)
        write_atomic(str(target), b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["config"] and target.read_text() == "old"
