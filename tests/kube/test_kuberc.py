"""kube.kuberc: where kubectl finds its kuberc, which document it uses, what it refuses, why it
would not run a credential plugin (checked against kubectl 1.37 itself, case by case), Go's
exec.LookPath, the allowlist entry for a command, and the merge that lets one plugin run (never
narrowing, under kubectl's lock, through symbolic links, with a backup)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import yaml

from eks_tf_auth.errors import InputError
from eks_tf_auth.kube import kubeconfig, kuberc
from tests.support.tools import kubectl_binary

HEAD = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
DENY = HEAD + "credentialPluginPolicy: DenyAll\n"
V1 = "client.authentication.k8s.io/v1"


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A directory with an executable `plug`, a symbolic link `link` to it, and a file `plain`
    that is not executable."""
    directory = tmp_path / "bin"
    directory.mkdir()
    plug = directory / "plug"
    plug.write_text(
        "#!/bin/sh\necho '"
        '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
        '"status":{"token":"x"}}'
        "'\n"
    )
    plug.chmod(0o755)
    (directory / "link").symlink_to(plug)
    (directory / "plain").write_text("")
    return directory


@pytest.fixture
def environ(bin_dir: Path) -> dict[str, str]:
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin", "HOME": str(bin_dir.parent)}


def parsed(text: str, path: str = "/k/kuberc") -> kuberc.Kuberc:
    return kuberc.load(text, path)


def allowlist(*names: str) -> str:
    return (
        HEAD
        + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n"
        + "".join(f"  - name: {name}\n" for name in names)
    )


# --- where kubectl looks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HOME": "/h"}, "/h/.kube/kuberc"),
        ({"HOME": "/h", "KUBERC": ""}, "/h/.kube/kuberc"),
        ({"HOME": "/h", "KUBERC": "/etc/kuberc"}, "/etc/kuberc"),
        ({"HOME": "/h", "KUBERC": "off"}, None),
        ({"HOME": "/h", "KUBERC": "OFF"}, "OFF"),  # only "off" turns it off, as in kubectl
        ({"HOME": "/h", "KUBECTL_KUBERC": "false"}, None),
        ({"HOME": "/h", "KUBECTL_KUBERC": "False", "KUBERC": "/etc/kuberc"}, None),
        ({"HOME": "/h", "KUBECTL_KUBERC": "0"}, "/h/.kube/kuberc"),  # kubectl: only "false"
    ],
)
def test_location_follows_kubectl(env: dict[str, str], expected: str | None) -> None:
    assert kuberc.location(env) == expected


def test_location_without_home_uses_the_users_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/from-home")
    assert kuberc.location({}) == "/from-home/.kube/kuberc"


def test_read(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    assert kuberc.read(home) is None  # no ~/.kube/kuberc: kubectl's defaults
    assert kuberc.read({**home, "KUBERC": "off"}) is None
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "kuberc").write_text(DENY)
    found = kuberc.read(home)
    assert found is not None and found.path == str(tmp_path / ".kube" / "kuberc")
    assert found.preference == yaml.safe_load(DENY)
    with pytest.raises(InputError, match=r"nothere \(KUBERC\) not found") as caught:
        kuberc.read({**home, "KUBERC": str(tmp_path / "nothere")})
    assert "unset it" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: [", "not valid YAML at line 1"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"a: " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"#" * (kuberc.MAX_SIZE + 1), "over 1 MiB"),
    ],
    ids=["yaml", "binary", "deep", "huge"],
)
def test_unreadable_kubercs_are_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "kuberc"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        kuberc.read({"KUBERC": str(path)})


def test_a_kuberc_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read the kuberc .*: Is a directory"):
        kuberc.read({"KUBERC": str(tmp_path)})


def test_a_yaml_error_without_a_position(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> object:
        raise yaml.YAMLError("no mark")

    monkeypatch.setattr(yaml, "safe_load_all", broken)
    with pytest.raises(InputError, match=r"^kuberc /k is not valid YAML$"):
        kuberc.load("x", "/k")


# --- which document, and what kubectl refuses ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "index"),
    [
        (DENY, 0),
        ("---\n---\n" + DENY, 1),  # empty documents are skipped
        (HEAD + "aliases: 3\n---\n" + DENY, 1),  # so is one kubectl cannot decode
        ("kind: Preference\ncredentialPluginPolicy: DenyAll\n", None),  # no apiVersion
        ("apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Other\n", None),
        ("apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n", 0),
        (HEAD + "credentialPluginPolicy: 5\n", None),
        (HEAD + "credentialPluginAllowlist: {name: x}\n", None),
        (HEAD + "credentialPluginAllowlist: [x]\n", None),
        (HEAD + "credentialPluginAllowlist: [{name: 5}]\n", None),
        (HEAD + "credentialPluginAllowlist: [{name: a, command: b}]\n", None),
        (HEAD + "credentialPluginAllowlist: [{command: a}, null]\n", 0),
        ("- a list\n", None),
    ],
)
def test_the_document_kubectl_uses(text: str, index: int | None) -> None:
    assert parsed(text).index == index


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (HEAD, None),
        (DENY, None),
        (HEAD + "credentialPluginPolicy: ''\n", None),
        (HEAD + "credentialPluginPolicy: AllowAll\ncredentialPluginAllowlist: null\n", None),
        (allowlist("/x/plug", "plug"), None),
        ("apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n", None),
        ("kind: Preference\n", "no valid preferences"),
        (HEAD + "credentialPluginPolicy: allowlist\n", "unknown credentialPluginPolicy"),
        (
            HEAD + "credentialPluginPolicy: AllowAll\ncredentialPluginAllowlist: []\n",
            "credentialPluginAllowlist is set but credentialPluginPolicy is AllowAll",
        ),
        (
            HEAD + "credentialPluginAllowlist: [{name: /x}]\n",
            "credentialPluginPolicy is not set",
        ),
        (HEAD + "credentialPluginPolicy: Allowlist\n", "credentialPluginAllowlist is empty"),
        (
            HEAD + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist: []\n",
            "credentialPluginAllowlist is empty",
        ),
        (allowlist("/x/plug", "''"), "entry #2 is empty"),
        (HEAD + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist: [{}]\n", "#1"),
        (allowlist("/x/./plug"), "entry #1 '/x/./plug' is not a clean path"),
        (allowlist("//x/plug"), "is not a clean path"),
        (allowlist("/x/plug/"), "is not a clean path"),
    ],
)
def test_what_kubectl_refuses(text: str, problem: str | None) -> None:
    found = kuberc.problem(parsed(text))
    assert found == problem if problem is None else problem in (found or "")


# --- why a plugin would not run ----------------------------------------------------------------


def test_blocks(bin_dir: Path, environ: dict[str, str]) -> None:
    plug = str(bin_dir / "plug")
    assert kuberc.blocks(None, "plug", environ) is None
    assert kuberc.blocks(parsed(HEAD), "plug", environ) is None
    assert kuberc.blocks(parsed(allowlist(plug)), "plug", environ) is None
    denied = kuberc.blocks(parsed(DENY), "plug", environ)
    assert denied == (
        "the kuberc /k/kuberc sets credentialPluginPolicy: DenyAll, so kubectl runs no "
        "credential plugin ('plug' included)"
    )
    other = kuberc.blocks(parsed(allowlist("/usr/bin/other", "gone")), "plug", environ)
    assert other == (
        "the kuberc /k/kuberc allows only '/usr/bin/other', 'gone' (credentialPluginAllowlist), "
        f"not {plug!r}"
    )
    missing = kuberc.blocks(parsed(allowlist("/usr/bin/other")), "nowhere", environ)
    assert missing is not None and missing.endswith("not 'nowhere'")
    refused = kuberc.blocks(parsed("kind: Preference\n"), "plug", environ)
    assert refused is not None and refused.startswith(
        "kubectl refuses the kuberc /k/kuberc, and so every command: it holds no valid"
    )


def test_fix_names_the_command_unless_it_is_the_default() -> None:
    found = parsed(DENY)
    assert kuberc.fix(found, "eks-tf-auth") == "eks-tf-auth render kuberc --merge-into /k/kuberc"
    assert kuberc.fix(found, "aws").endswith("--merge-into /k/kuberc --command aws")


@pytest.mark.parametrize(
    ("entry", "command", "allowed"),
    [
        ("{bin}/plug", "plug", True),  # a path: the command as resolved on PATH
        ("{bin}/plug", "{bin}/plug", True),
        ("{bin}/link", "plug", False),  # symbolic links are not followed
        ("{bin}/plug", "link", False),
        ("plug", "{bin}/plug", True),  # a name: both resolved
        ("plug", "plug", True),
        ("gone", "gone", True),  # the same name, resolved or not
        ("gone", "plug", False),
        ("plug", "gone", False),
        ("bin/plug", "plug", False),  # a relative path is compared as written
        ("plain", "plain", True),
        ("plain", "{bin}/plain", False),  # not executable: no resolution
    ],
)
def test_allows_as_client_go(
    bin_dir: Path, environ: dict[str, str], entry: str, command: str, allowed: bool
) -> None:
    fill = {"bin": str(bin_dir)}
    assert kuberc.allows(entry.format(**fill), command.format(**fill), environ) is allowed


def test_look_path_is_gos(bin_dir: Path, tmp_path: Path) -> None:
    plug = str(bin_dir / "plug")
    assert kuberc.look_path("plug", {"PATH": f"/nowhere:{bin_dir}"}) == plug
    assert kuberc.look_path("link", {"PATH": str(bin_dir)}) == str(bin_dir / "link")
    assert kuberc.look_path("plug", {"PATH": f"{bin_dir}/../bin"}) == plug  # cleaned
    assert kuberc.look_path(plug, {}) == plug
    assert kuberc.look_path(str(bin_dir / "plain"), {}) is None
    assert kuberc.look_path(str(bin_dir), {}) is None  # a directory
    assert kuberc.look_path("plug", {}) is None
    assert kuberc.look_path("plug", {"PATH": ""}) is None
    cwd = os.getcwd()
    try:
        os.chdir(bin_dir)
        assert kuberc.look_path("plug", {"PATH": f":{bin_dir}"}) is None  # ErrDot
        assert kuberc.look_path("plug", {"PATH": "."}) is None
    finally:
        os.chdir(cwd)


def test_plugin_path(bin_dir: Path, environ: dict[str, str]) -> None:
    assert kuberc.plugin_path("plug", environ) == str(bin_dir / "plug")
    assert kuberc.plugin_path("/opt/x/eks-tf-auth", environ) == "/opt/x/eks-tf-auth"
    with pytest.raises(InputError, match="not a clean path") as caught:
        kuberc.plugin_path("/opt/x/../eks-tf-auth", environ)
    assert (
        caught.value.hint == "give /opt/eks-tf-auth: kubectl refuses allowlist paths that are not"
    )
    with pytest.raises(InputError, match="is a relative path"):
        kuberc.plugin_path("bin/plug", environ)
    with pytest.raises(InputError, match="gone is not on PATH") as caught:
        kuberc.plugin_path("gone", environ)
    assert "--command /path/to/gone" in (caught.value.hint or "")
    with pytest.raises(InputError, match="invalid command"):
        kuberc.plugin_path("a\nb", environ)


# --- the merge ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "note", "policy", "names"),
    [
        (DENY, "DenyAll became Allowlist of '/p/plug' alone", "Allowlist", ["/p/plug"]),
        (
            allowlist("/usr/bin/other"),
            "added '/p/plug'",
            "Allowlist",
            ["/usr/bin/other", "/p/plug"],
        ),
        (allowlist("/p/plug"), "allows '/p/plug' already ('/p/plug')", "Allowlist", ["/p/plug"]),
        (HEAD, "credentialPluginPolicy is AllowAll: every plugin runs", None, None),
        (HEAD + "credentialPluginPolicy: AllowAll\n", "is AllowAll", "AllowAll", None),
        (
            "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n",
            "v1alpha1 has no credential plugin policy",
            None,
            None,
        ),
    ],
)
def test_allow_only_widens(
    text: str, note: str, policy: str | None, names: list[str] | None
) -> None:
    found = parsed(text)
    new, said = kuberc.allow(found, "/p/plug", {})
    assert note in said
    result = (new or found).preference
    assert result is not None
    assert result.get("credentialPluginPolicy") == policy
    assert kuberc_names(result) == names
    if new is not None:
        assert kuberc.problem(new) is None and kuberc.blocks(new, "/p/plug", {}) is None


def kuberc_names(pref: object) -> list[str] | None:
    assert isinstance(pref, dict)
    entries = pref.get("credentialPluginAllowlist")
    return None if entries is None else [e["name"] for e in entries]


def test_allow_keeps_every_other_setting_and_document() -> None:
    text = (
        "# mine\n" + HEAD + "aliases: 3\n---\n" + HEAD + "defaults:\n- command: delete\n"
        "  options:\n  - name: interactive\n    default: 'true'\n"
        "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: /usr/bin/x\n"
        "---\nextra: doc\n"
    )
    found = parsed(text)
    new, _ = kuberc.allow(found, "/p/plug", {})
    assert new is not None
    docs = list(yaml.safe_load_all(kuberc.dump(new)))
    assert docs[0] == found.documents[0] and docs[2] == {"extra": "doc"}
    assert docs[1]["defaults"] == found.documents[1]["defaults"]
    assert docs[1]["credentialPluginAllowlist"] == [{"command": "/usr/bin/x"}, {"name": "/p/plug"}]


def test_allow_refuses_a_kuberc_kubectl_refuses() -> None:
    with pytest.raises(InputError, match="kubectl refuses the kuberc /k/kuberc") as caught:
        kuberc.allow(parsed(HEAD + "credentialPluginPolicy: Bogus\n"), "/p/plug", {})
    assert "nothing was written" in (caught.value.hint or "")


def test_merge_into_writes_a_backup_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "kuberc"
    path.write_text(DENY)
    path.chmod(0o640)
    merged = kuberc.merge_into(str(path), "/p/plug", {})
    assert merged.changed and merged.backup == f"{path}.bak"
    assert (tmp_path / "kuberc.bak").read_text() == DENY
    assert kuberc_names(yaml.safe_load(path.read_text())) == ["/p/plug"]
    assert path.stat().st_mode & 0o777 == 0o640
    assert not (tmp_path / "kuberc.lock").exists()
    again = kuberc.merge_into(str(path), "/p/plug", {})
    assert not again.changed and "already" in again.note


def test_merge_into_creates_no_kuberc(tmp_path: Path) -> None:
    merged = kuberc.merge_into(str(tmp_path / "kuberc"), "/p/plug", {})
    assert not merged.changed and "kubectl runs every plugin" in merged.note
    assert list(tmp_path.iterdir()) == []


def test_merge_into_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "kuberc"
    target.parent.mkdir()
    target.write_text(DENY)
    link = tmp_path / "kuberc"
    link.symlink_to(target)
    assert kuberc.merge_into(str(link), "/p/plug", {}).changed
    assert link.is_symlink() and kuberc_names(yaml.safe_load(target.read_text())) == ["/p/plug"]


def test_merge_into_refuses_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "kuberc"
    path.write_text(HEAD + "credentialPluginPolicy: Bogus\n")
    with pytest.raises(InputError, match="unknown credentialPluginPolicy"):
        kuberc.merge_into(str(path), "/p/plug", {})
    assert [p.name for p in tmp_path.iterdir()] == ["kuberc"]


def test_merge_into_a_read_only_kuberc_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a plain write would be refused (root may write anything, so the permission check is
    answered as for a user; the real check runs without privileges in tests/kube's setpriv
    test of the kubeconfig merge)."""
    path = tmp_path / "kuberc"
    path.write_text(DENY)
    path.chmod(0o444)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if str(p) == str(path) else real_access(p, mode)
    )
    with pytest.raises(InputError, match="not writable"):
        kuberc.merge_into(str(path), "/p/plug", {})
    assert path.read_text() == DENY


def test_merge_into_waits_for_kubectls_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kubeconfig, "LOCK_TIMEOUT", 0.1)
    path = tmp_path / "kuberc"
    path.write_text(DENY)
    (tmp_path / "kuberc.lock").symlink_to(path)
    with pytest.raises(InputError, match=r"kuberc\.lock exists"):
        kuberc.merge_into(str(path), "/p/plug", {})
    assert path.read_text() == DENY


@pytest.mark.parametrize("meanwhile", ["allowed", "removed"])
def test_a_writer_before_us_under_the_lock_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    """What another writer did while we waited for the lock is read again, and respected."""
    path = tmp_path / "kuberc"
    path.write_text(DENY)
    real_locked = kubeconfig.locked

    def other_writer_first(lock_path: str) -> AbstractContextManager[None]:
        if meanwhile == "allowed":
            path.write_text(allowlist("/p/plug"))
        else:
            path.unlink()
        return real_locked(lock_path)

    monkeypatch.setattr(kuberc, "locked", other_writer_first)
    merged = kuberc.merge_into(str(path), "/p/plug", {})
    assert not merged.changed and merged.backup is None
    assert not (tmp_path / "kuberc.bak").exists()


def test_concurrent_merges_lose_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "kuberc"
    path.write_text(DENY)
    gate = threading.Barrier(10)

    def merge(i: int) -> None:
        gate.wait()
        kuberc.merge_into(str(path), f"/p/plug{i}", {})

    threads = [threading.Thread(target=merge, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = kuberc_names(yaml.safe_load(path.read_text()))
    assert sorted(names or []) == sorted(f"/p/plug{i}" for i in range(10))


# --- kubectl 1.37 agrees with `blocks`, case by case ---------------------------------------------

KUBECTL_CASES: dict[str, str] = {
    "none": HEAD,
    "allow-all": HEAD + "credentialPluginPolicy: AllowAll\n",
    "deny-all": DENY,
    "allowlist-path": allowlist("{bin}/plug"),
    "allowlist-name": allowlist("plug"),
    "allowlist-command-key": HEAD
    + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist: [{command: {bin}/plug}]\n",
    "allowlist-other": allowlist("/usr/bin/other"),
    "allowlist-link": allowlist("{bin}/link"),
    "allowlist-gone-and-plug": allowlist("gone", "plug"),
    "v1alpha1-deny": "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n"
    "credentialPluginPolicy: DenyAll\n",
    "first-valid-document": HEAD + "aliases: 3\n---\n" + DENY,
    "unknown-policy": HEAD + "credentialPluginPolicy: Bogus\n",
    "allowlist-with-allow-all": HEAD + "credentialPluginPolicy: AllowAll\n"
    "credentialPluginAllowlist: [{name: plug}]\n",
    "empty-allowlist": HEAD + "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist: []\n",
    "unclean-path": allowlist("{bin}/./plug"),
    "no-api-version": "kind: Preference\ncredentialPluginPolicy: DenyAll\n",
}


@pytest.mark.real
@pytest.mark.parametrize("command", ["plug", "{bin}/plug"])
@pytest.mark.parametrize("case", list(KUBECTL_CASES))
def test_kubectl_137_agrees_with_blocks(
    case: str, command: str, bin_dir: Path, environ: dict[str, str], tmp_path: Path
) -> None:
    """kubectl runs the plugin (then fails to connect to 127.0.0.1:1), or refuses it, or refuses
    the kuberc, exactly where `blocks` says so."""
    kubectl = kubectl_binary("1.37")
    command = command.format(bin=bin_dir)
    config = tmp_path / "kubeconfig"
    plugin = {"apiVersion": V1, "command": command, "interactiveMode": "Never"}
    config.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"exec": plugin}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    rc = tmp_path / "kuberc"
    rc.write_text(KUBECTL_CASES[case].replace("{bin}", str(bin_dir)))
    env = {**environ, "KUBERC": str(rc)}
    proc = subprocess.run(
        [kubectl, "--kubeconfig", str(config), "get", "ns", "--request-timeout=5s"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    ran = "connection refused" in proc.stderr or "was refused" in proc.stderr
    refused_plugin = "not allowed" in proc.stderr or "not permitted" in proc.stderr
    refused_file = "error occurred while applying preferences" in proc.stderr
    assert ran + refused_plugin + refused_file == 1, proc.stderr
    why = kuberc.blocks(kuberc.read(env), command, env)
    assert (why is None) is ran, (why, proc.stderr)
    if why is not None:
        assert why.startswith("kubectl refuses the kuberc") is refused_file, (why, proc.stderr)
