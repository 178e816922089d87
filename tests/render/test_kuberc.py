"""render kuberc and render kubeconfig --kuberc: the golden kuberc (read back by kubectl 1.37), the
merge from the command line (the user's other settings kept, the kubeconfig left unwritten when
the kuberc would be refused), and the round trip: kubectl 1.37 under a DenyAll or Allowlist
kuberc refuses eks-tf-auth, and after the merge authenticates through `eks-tf-auth exec` against
the EKS API double."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.render.kuberc import render_kuberc
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.render import CA, ENDPOINT, check_golden, run_cli
from tests.support.tools import BIN_DIR, kubectl_binary, with_bin_on_path

HEAD = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
DEFAULTS = "defaults:\n- command: delete\n  options:\n  - name: interactive\n    default: 'true'\n"
LOCKED = {
    "deny-all": HEAD + DEFAULTS + "credentialPluginPolicy: DenyAll\n",
    "allowlist-without-us": HEAD
    + DEFAULTS
    + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- name: /usr/bin/true\n",
}
OFFLINE = ["--cluster-name", "prod", "--region", "eu-west-1", "--endpoint", ENDPOINT]


@pytest.mark.real
def test_kuberc_golden_read_by_kubectl_137(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "kuberc", "--command", "/usr/local/bin/eks-tf-auth"], capsys)
    check_golden("kuberc.yaml", text)
    path = tmp_path / "kuberc"
    path.write_text(text)
    proc = subprocess.run(
        [kubectl_binary("1.37"), "kuberc", "view", "--kuberc", str(path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    viewed = json.loads(proc.stdout)
    assert viewed["credentialPluginPolicy"] == "Allowlist"
    [entry] = viewed["credentialPluginAllowlist"]
    assert list(entry.values()) == ["/usr/local/bin/eks-tf-auth"]  # `command` in 1.37's view


def test_render_kuberc_resolves_the_command_on_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", with_bin_on_path({})["PATH"])
    doc = yaml.safe_load(run_cli(["render", "kuberc"], capsys))
    assert doc["credentialPluginAllowlist"] == [{"name": str(BIN_DIR / "eks-tf-auth")}]
    assert render_kuberc("/a") == render_kuberc("/a")  # no state between renders


def test_render_kuberc_merge_into(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", with_bin_on_path({})["PATH"])
    path = tmp_path / "kuberc"
    path.write_text(LOCKED["deny-all"])
    assert cli.main(["render", "kuberc", "--merge-into", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "DenyAll became Allowlist" in captured.err and f"backup: {path}.bak" in captured.err
    doc = yaml.safe_load(path.read_text())
    assert doc["defaults"] == yaml.safe_load(LOCKED["deny-all"])["defaults"]
    assert doc["credentialPluginAllowlist"] == [{"name": str(BIN_DIR / "eks-tf-auth")}]
    assert cli.main(["render", "kuberc", "--merge-into", str(path)]) == 0
    assert "left as it is" in capsys.readouterr().err


def test_render_kubeconfig_checks_the_kuberc_before_writing_anything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kubeconfig, kuberc = tmp_path / "config", tmp_path / "kuberc"
    kuberc.write_text(HEAD + "credentialPluginPolicy: Bogus\n")
    argv = ["render", "kubeconfig", *OFFLINE, "--ca-data", CA, "--command", "/opt/eks-tf-auth"]
    argv += ["--merge-into", str(kubeconfig), "--kuberc", str(kuberc)]
    assert cli.main(argv) == 2
    assert "unknown credentialPluginPolicy" in capsys.readouterr().err
    assert not kubeconfig.exists()
    kuberc.write_text(LOCKED["allowlist-without-us"])
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert f"merged prod into {kubeconfig}" in err and "added '/opt/eks-tf-auth'" in err
    names = [e["name"] for e in yaml.safe_load(kuberc.read_text())["credentialPluginAllowlist"]]
    assert names == ["/usr/bin/true", "/opt/eks-tf-auth"]
    assert yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["exec"]["command"] == (
        "/opt/eks-tf-auth"
    )


def test_render_kubeconfig_printed_with_a_kuberc(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kuberc = tmp_path / "kuberc"
    kuberc.write_text(HEAD)
    argv = ["render", "kubeconfig", *OFFLINE, "--ca-data", CA, "--command", "/opt/eks-tf-auth"]
    assert cli.main([*argv, "--kuberc", str(kuberc)]) == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["kind"] == "Config"
    assert "left as it is: credentialPluginPolicy is AllowAll" in captured.err
    assert kuberc.read_text() == HEAD


@pytest.mark.real
@pytest.mark.parametrize("merge", ["render-kuberc", "render-kubeconfig"])
@pytest.mark.parametrize("locked", list(LOCKED))
def test_kubectl_137_runs_eks_tf_auth_once_the_kuberc_allows_it(
    locked: str,
    merge: str,
    aws_env: AwsEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kubectl = kubectl_binary("1.37")
    env = with_bin_on_path(aws_env.env)
    env.pop("AWS_REGION")  # the region comes from the kubeconfig's exec extension
    monkeypatch.setenv("PATH", env["PATH"])  # render resolves eks-tf-auth as kubectl will
    kubeconfig, kuberc = tmp_path / "config", tmp_path / "kuberc"
    kuberc.write_text(LOCKED[locked])
    env["KUBERC"] = str(kuberc)
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="prod", identities=identities) as double:
        argv = ["render", "kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1"]
        argv += ["--endpoint", double.url.replace("127.0.0.1", "localhost")]
        argv += ["--ca-data", double.ca_data, "--merge-into", str(kubeconfig)]

        def get_namespaces() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [kubectl, "--kubeconfig", str(kubeconfig), "get", "namespaces", "-o", "name"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        run_cli(argv, capsys)
        refused = get_namespaces()
        assert refused.returncode != 0
        assert 'plugin "eks-tf-auth" not allowed' in refused.stderr or (
            f'plugin path "{BIN_DIR / "eks-tf-auth"}" is not permitted' in refused.stderr
        ), refused.stderr
        assert double.requests == []
        if merge == "render-kuberc":
            run_cli(["render", "kuberc", "--merge-into", str(kuberc)], capsys)
        else:
            run_cli([*argv, "--kuberc", str(kuberc)], capsys)
        allowed = get_namespaces()
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.split() == ["namespace/default", "namespace/kube-system"]
    assert double.requests and {r.username for r in double.requests} == {TEST_ARN}
    doc = yaml.safe_load(kuberc.read_text())
    assert doc["defaults"] == yaml.safe_load(LOCKED[locked])["defaults"]  # kept
    assert doc["credentialPluginAllowlist"][-1] == {"name": str(BIN_DIR / "eks-tf-auth")}
