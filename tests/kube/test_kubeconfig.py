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


# --- writes never destroy what they replace --------------------------------------------------


def rendered(name: str = "prod") -> str:
    return kubeconfig_text(name)


def kubeconfig_text(name: str) -> str:
    from eks_tf_auth.identity import ClusterRequest
    from eks_tf_auth.render.kubeconfig import Cluster, KubeconfigRequest, render_kubeconfig
    from tests.support.render import CA

    request = KubeconfigRequest((name,), ClusterRequest(region="eu-west-1"), alias=True)
    return render_kubeconfig([Cluster(name, "eu-west-1", ENDPOINT, CA)], request)


def special_files(tmp_path: Path) -> dict[str, Path]:
    import socket

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    directory = tmp_path / "dir"
    directory.mkdir()
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()
    found = {"FIFO": fifo, "directory": directory, "socket": sock_path}
    if os.geteuid() == 0:  # only root can make a device node; CI runs as root
        import stat

        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        found["character device"] = device
    return found


def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import merge_into

    for kind, path in special_files(tmp_path).items():
        before = os.lstat(path)
        with pytest.raises(InputError, match=f"is {'an' if kind[0] in 'aeiou' else 'a'} {kind}"):
            merge_into(str(path), rendered(), set_context=False)
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino), kind
        assert not Path(f"{path}.bak").exists() and not Path(f"{path}.lock").exists()


def test_a_merge_writes_through_a_symlink_and_keeps_mode_and_owner(tmp_path: Path) -> None:
    from eks_tf_auth.kube.kubeconfig import merge_into

    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "kubeconfig"
    real.write_text(EXISTING)
    real.chmod(0o640)
    owner = (1234, 2345) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(real, *owner)
    link = tmp_path / "config"
    link.symlink_to(real)
    merge_into(str(link), rendered(), set_context=False)
    assert link.is_symlink() and os.readlink(link) == str(real)
    st = real.stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o640, *owner)
    names = [c["name"] for c in yaml.safe_load(real.read_text())["clusters"]]
    assert names == ["other", "prod"]
    assert (tmp_path / "config.bak").read_text() == EXISTING
    assert sorted(p.name for p in dotfiles.iterdir()) == ["kubeconfig"]  # no temp file left


def test_a_backup_path_that_is_a_directory_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import merge_into

    path = tmp_path / "config"
    path.write_text(EXISTING)
    (tmp_path / "config.bak").mkdir()
    with pytest.raises(InputError, match=r"config\.bak is a directory"):
        merge_into(str(path), rendered(), set_context=False)
    assert path.read_text() == EXISTING


@pytest.mark.real
def test_a_read_only_kubeconfig_is_refused_as_a_plain_write_would_be(tmp_path: Path) -> None:
    """Renaming over a file needs only the directory's permission: check the file as kubectl's
    plain write would. Root may write anything, so as root the merge runs without the
    capabilities that override file permissions (setpriv, from util-linux)."""
    from tests.support.tools import require_tool

    prefix = []
    if os.geteuid() == 0:
        drop = "-dac_override,-dac_read_search"
        prefix = [require_tool("setpriv"), f"--inh-caps={drop}", f"--bounding-set={drop}"]
    path = tmp_path / "config"
    path.write_text(EXISTING)
    path.chmod(0o444)
    probe = (
        "import sys\n"
        "from eks_tf_auth.kube.kubeconfig import merge_into\n"
        "from eks_tf_auth.errors import InputError\n"
        "try:\n"
        "    merge_into(sys.argv[1], sys.stdin.read(), set_context=False)\n"
        "except InputError as e:\n"
        "    print(e.message)\n"
        "    sys.exit(2)\n"
    )
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", probe, str(path)],
        input=rendered(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "is not writable for you" in proc.stdout
    assert path.read_text() == EXISTING and not (tmp_path / "config.bak").exists()


def test_concurrent_merges_lose_nothing(tmp_path: Path) -> None:
    """20 writers at once (threads here; processes in test_twenty_processes_merge_...)."""
    import threading

    from eks_tf_auth.kube.kubeconfig import merge_into

    path = tmp_path / "config"
    texts = [rendered(f"c{i:02d}") for i in range(20)]
    gate = threading.Barrier(20)

    def merge(text: str) -> None:
        gate.wait()
        merge_into(str(path), text, set_context=False)

    threads = [threading.Thread(target=merge, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    doc = yaml.safe_load(path.read_text())
    assert sorted(c["name"] for c in doc["clusters"]) == [f"c{i:02d}" for i in range(20)]
    assert not (tmp_path / "config.lock").exists()


@pytest.mark.real
def test_twenty_processes_merge_into_one_kubeconfig_and_lose_nothing(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.render import CA
    from tests.support.tools import BIN_DIR, real_tool

    real_tool("the eks-tf-auth console script")
    path = tmp_path / "config"

    def merge(i: int) -> subprocess.CompletedProcess[str]:
        argv = ["render", "kubeconfig", "--cluster-name", f"c{i:02d}", "--region", "eu-west-1"]
        argv += ["--endpoint", ENDPOINT, "--ca-data", CA, "--alias", "--merge-into", str(path)]
        return subprocess.run(
            [str(BIN_DIR / "eks-tf-auth"), *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        procs = list(pool.map(merge, range(20)))
    assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs if p.returncode]
    doc = yaml.safe_load(path.read_text())
    assert sorted(c["name"] for c in doc["clusters"]) == [f"c{i:02d}" for i in range(20)]
    assert sorted(u["name"] for u in doc["users"]) == [f"c{i:02d}" for i in range(20)]


def test_a_held_lock_times_out_with_the_lock_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube import kubeconfig

    monkeypatch.setattr(kubeconfig, "LOCK_TIMEOUT", 0.1)
    path = tmp_path / "config"
    path.write_text(EXISTING)
    (tmp_path / "config.lock").symlink_to(path)  # as kubectl leaves it while it writes
    with pytest.raises(InputError, match=r"config\.lock exists") as caught:
        kubeconfig.merge_into(str(path), rendered(), set_context=False)
    assert "remove" in (caught.value.hint or "")
    assert path.read_text() == EXISTING


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("clusters:\n- name: [a, b]\n  cluster: {}\n- name: {x: 1}\n", None),
    ],
    ids=["deep", "odd-names"],
)
def test_odd_kubeconfigs_are_merged_or_refused_in_one_line(
    tmp_path: Path, text: str, message: str | None
) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import merge_into

    path = tmp_path / "config"
    path.write_text(text)
    if message is None:
        merge_into(str(path), rendered(), set_context=False)
        names = [c["name"] for c in yaml.safe_load(path.read_text())["clusters"]]
        assert names == [["a", "b"], {"x": 1}, "prod"]  # kept as they were, ours added
        return
    with pytest.raises(InputError, match=message):
        merge_into(str(path), rendered(), set_context=False)
    assert path.read_text() == text


def test_a_huge_file_is_not_a_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube import kubeconfig

    monkeypatch.setattr(kubeconfig, "MAX_SIZE", 1024)
    path = tmp_path / "config"
    path.write_text("# padding\n" * 200)
    with pytest.raises(InputError, match="is over 0 MiB: not a kubeconfig"):
        kubeconfig.merge_into(str(path), rendered(), set_context=False)


# -- read and select: kubectl's loading rules and one typed context ---------------------------

SELECTABLE = """\
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example
    certificate-authority-data: Q0E=
    proxy-url: http://proxy:3128
    extensions:
    - name: other
      extension: {x: 1}
    - name: client.authentication.k8s.io/exec
      extension: {clusterName: prod, region: eu-west-1}
- name: bare
  cluster:
    server: https://bare.example
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
    tls-server-name: bare
contexts:
- name: prod
  context: {cluster: prod, user: prod, namespace: kube-system}
- name: bare
  context: {cluster: bare, user: files}
- name: anonymous
  context: {cluster: bare}
users:
- name: prod
  user:
    as: alice
    as-groups: [system:masters, eks:admins]
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: eks-tf-auth
      args: [exec, --cluster-name, prod]
      env: [{name: AWS_PROFILE, value: prod}, {name: EMPTY}]
      interactiveMode: Never
      provideClusterInfo: true
      installHint: pip install eks-tf-auth
- name: files
  user:
    token: static
    tokenFile: token
    client-certificate: crt.pem
    client-key-data: a2V5
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: bin/plugin}
current-context: prod
"""


def test_select_types_a_context_with_its_cluster_and_user() -> None:
    from eks_tf_auth.kube.kubeconfig import (
        ClusterEntry,
        Context,
        ExecPlugin,
        UserEntry,
        load,
        select,
    )

    doc = load(SELECTABLE, "config")
    assert select(doc) == select(doc, "prod")
    assert select(doc) == Context(
        name="prod",
        cluster=ClusterEntry(
            name="prod",
            server="https://prod.example",
            ca_data="Q0E=",
            proxy_url="http://proxy:3128",
            exec_config={"clusterName": "prod", "region": "eu-west-1"},
        ),
        user=UserEntry(
            name="prod",
            exec=ExecPlugin(
                api_version="client.authentication.k8s.io/v1",
                command="eks-tf-auth",
                args=("exec", "--cluster-name", "prod"),
                env=(("AWS_PROFILE", "prod"), ("EMPTY", "")),
                interactive_mode="Never",
                provide_cluster_info=True,
                install_hint="pip install eks-tf-auth",
            ),
            impersonate="alice",
            impersonate_groups=("system:masters", "eks:admins"),
        ),
        namespace="kube-system",
    )
    bare = select(doc, "bare")
    assert (bare.cluster.ca_file, bare.cluster.insecure, bare.cluster.tls_server_name) == (
        "ca.pem",
        True,
        "bare",
    )
    assert (bare.user.token, bare.user.token_file) == ("static", "token")
    assert bare.user.unsupported == ("client-certificate", "client-key-data")
    assert "static" not in repr(bare.user)
    assert select(doc, "anonymous").user == UserEntry()
    assert select(doc, "anonymous").namespace is None


def test_read_resolves_relative_files_against_their_kubeconfig(tmp_path: Path) -> None:
    from eks_tf_auth.kube.kubeconfig import read, select

    (tmp_path / "config").write_text(SELECTABLE)
    doc = read(str(tmp_path / "config"), {})
    bare = select(doc, "bare")
    assert bare.cluster.ca_file == str(tmp_path / "ca.pem")
    assert bare.user.token_file == str(tmp_path / "token")
    assert bare.user.exec is not None and bare.user.exec.command == str(tmp_path / "bin/plugin")
    files = next(u["user"] for u in doc["users"] if u["name"] == "files")
    assert files["client-certificate"] == str(tmp_path / "crt.pem")
    prod = select(doc, "prod")
    assert prod.user.exec is not None and prod.user.exec.command == "eks-tf-auth"  # on PATH


def test_read_follows_kubectls_loading_rules(tmp_path: Path) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import read, select

    first = tmp_path / "a"
    second = tmp_path / "b"
    first.write_text(
        "clusters: [{name: c, cluster: {server: 'https://first'}}]\n"
        "contexts: [{name: x, context: {cluster: c}}]\n"
    )
    second.write_text(
        "clusters: [{name: c, cluster: {server: 'https://second'}},"
        " {name: d, cluster: {server: 'https://d'}}]\n"
        "contexts: [{name: x, context: {cluster: d}}, {name: y, context: {cluster: d}}]\n"
        "current-context: y\n"
        "users: [not-a-mapping]\n"
    )
    listed = os.pathsep.join([str(first), str(tmp_path / "missing"), "", str(second), str(first)])
    doc = read(None, {"KUBECONFIG": listed, "HOME": "/nowhere"})
    assert doc["current-context"] == "y"  # the first file that sets it
    assert select(doc, "x").cluster.server == "https://first"  # first wins, per name
    assert select(doc).cluster.server == "https://d"
    assert doc["users"] == []

    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    (home / ".kube" / "config").write_text(SELECTABLE)
    assert select(read(None, {"HOME": str(home)})).name == "prod"
    with pytest.raises(InputError, match=r"no kubeconfig found \(looked for .*missing\)"):
        read(None, {"KUBECONFIG": str(tmp_path / "missing")})
    with pytest.raises(InputError, match=r"kubeconfig .*missing not found"):
        read(str(tmp_path / "missing"), {"KUBECONFIG": str(first)})
    with pytest.raises(InputError, match="not valid YAML"):
        (tmp_path / "broken").write_text("{oops")
        read(str(tmp_path / "broken"), {})


@pytest.mark.parametrize(
    ("text", "context", "message"),
    [
        ("clusters: []\n", None, "has no current-context"),
        ("current-context: [a]\n", None, "current-context is not a string"),
        (SELECTABLE, "nope", "context 'nope' not found"),
        ("contexts: [{name: x, context: {user: u}}]\n", "x", "context 'x' names no cluster"),
        ("contexts: [{name: x, context: [a]}]\n", "x", "context 'x': context is not a mapping"),
        ("contexts: [{name: x, context: {cluster: c}}]\n", "x", "cluster 'c' not found"),
        (
            "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
            "clusters: [{name: c, cluster: {server: 'https://c'}}]\n",
            "x",
            "user 'u' not found",
        ),
        (
            "contexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c}]\n",
            "x",
            "cluster 'c' has no server",
        ),
        (
            "contexts: [{name: x, context: {cluster: c, namespace: 3}}]\n"
            "clusters: [{name: c, cluster: {server: 'https://c'}}]\n",
            "x",
            "context 'x': namespace is not a string",
        ),
    ],
)
def test_select_refuses_in_one_line(text: str, context: str | None, message: str) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import load, select

    with pytest.raises(InputError, match=message) as caught:
        select(load(text, "config"), context)
    assert "\n" not in str(caught.value)


def test_select_names_the_known_contexts_in_its_hint() -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import load, select

    with pytest.raises(InputError) as caught:
        select(load(SELECTABLE, "config"), "staging")
    assert caught.value.hint == "the kubeconfig's contexts: anonymous, bare, prod"
    with pytest.raises(InputError) as caught:
        select({"contexts": None}, "staging")
    assert caught.value.hint == "the kubeconfig's contexts: none"


BASE = (
    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    "clusters: [{name: c, cluster: {server: 'https://c'%s}}]\n"
    "users: [{name: u, user: %s}]\n"
)


@pytest.mark.parametrize(
    ("cluster", "user", "message"),
    [
        (
            ", insecure-skip-tls-verify: 'yes'",
            "{}",
            "insecure-skip-tls-verify is not true or false",
        ),
        (", extensions: {a: 1}", "{}", "extensions is not a list"),
        (
            ", extensions: [{name: client.authentication.k8s.io/exec, extension: [1]}]",
            "{}",
            "client.authentication.k8s.io/exec extension: extension is not a mapping",
        ),
        ("", "{token: 5}", "user 'u': token is not a string"),
        ("", "{as-groups: [a, 1]}", "as-groups is not a list of strings"),
        ("", "{exec: [a]}", "user 'u': exec is not a mapping"),
        ("", "{exec: {command: x}}", "exec needs apiVersion and command"),
        ("", "{exec: {apiVersion: v, command: x, args: a}}", "args is not a list"),
        ("", "{exec: {apiVersion: v, command: x, env: [a]}}", "env entries need a name"),
        ("", "{exec: {apiVersion: v, command: x, env: [{value: a}]}}", "env entries need a name"),
        ("", "{exec: {apiVersion: v, command: x, provideClusterInfo: 1}}", "not true or false"),
    ],
)
def test_select_refuses_mistyped_entries(cluster: str, user: str, message: str) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import load, select

    with pytest.raises(InputError, match=message):
        select(load(BASE % (cluster, user), "config"), "x")


def test_select_takes_what_load_and_merge_leave_alone() -> None:
    from eks_tf_auth.kube.kubeconfig import load, select

    text = BASE % (", extensions: [not-a-mapping]", "{exec: {apiVersion: v, command: 'a b'}}")
    context = select(load(text, "config"), "x")
    assert context.cluster.exec_config is None
    assert context.user.exec is not None and context.user.exec.args == ()


def test_a_merge_that_cannot_create_its_directory_or_lock_is_one_line(tmp_path: Path) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import merge_into

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="Not a directory"):
        merge_into(str(blocker / "sub" / "config"), rendered(), set_context=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "makedirs", _refuse)
        with pytest.raises(InputError, match="cannot create the directory of"):
            merge_into(str(tmp_path / "new" / "config"), rendered(), set_context=False)
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir()
    (locked_dir / "config").write_text(EXISTING)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "symlink", _refuse)
        with pytest.raises(InputError, match=r"cannot lock .*: Permission denied"):
            merge_into(str(locked_dir / "config"), rendered(), set_context=False)
    assert (locked_dir / "config").read_text() == EXISTING


def test_an_unreadable_kubeconfig_is_one_line(tmp_path: Path) -> None:
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.kube.kubeconfig import merge_into

    path = tmp_path / "config"
    path.write_text(EXISTING)
    real_open = os.open

    def denied(file: str, *args: int) -> int:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "open", denied)
        with pytest.raises(InputError, match=r"cannot read .*config: Permission denied"):
            merge_into(str(path), rendered(), set_context=False)


def _refuse(*_: object, **__: object) -> None:
    raise PermissionError(13, "Permission denied")
