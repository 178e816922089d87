"""ETA010 (exec identity against the aws provider's) and ETA011 (ephemeral tokens), on projects
built from text: the shapes the fixtures cannot show through the loader (eks-tf-auth exec,
aws-iam-authenticator, .tf.json, module callers, saved plans), and what each fix makes."""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

import pytest

from eks_tf_auth.lint.edits import FixContext, Unfixable, apply
from eks_tf_auth.lint.hcl import parse_config
from eks_tf_auth.lint.model import Module, ModuleCall, Project
from eks_tf_auth.lint.rule import Finding, Rule
from eks_tf_auth.lint.rules import eta001_cluster_auth_token as eta001
from eks_tf_auth.lint.rules import eta010_exec_identity as eta010
from eks_tf_auth.lint.rules import eta011_ephemeral_token as eta011
from eks_tf_auth.lint.syntax import is_json

ROLE = "arn:aws:iam::111122223333:role/terraform"
ASSUME = f'provider "aws" {{\n  assume_role {{\n    role_arn = "{ROLE}"\n  }}\n}}\n'
CLUSTER = 'data "aws_eks_cluster" "c" {\n  name = "c"\n}\n'


def exec_provider(command: str, args: str, extra: str = "") -> str:
    return (
        'provider "kubernetes" {\n  host = data.aws_eks_cluster.c.endpoint\n  exec {\n'
        f'    api_version = "client.authentication.k8s.io/v1beta1"\n    command     = "{command}"\n'
        f"    args        = {args}\n{extra}  }}\n}}\n"
    )


def project(files: dict[str, str]) -> Project:
    p = Project()
    for name, text in files.items():
        directory = posixpath.dirname(name) or "."
        p.modules.setdefault(directory, Module(directory)).files.append(parse_config(name, text))
    for directory, module in p.modules.items():
        for block in module.of_kind("module"):
            source = block.attributes["source"].expr.strip('"')
            child = posixpath.normpath(posixpath.join(directory, source))
            p.calls.append(ModuleCall(directory, block, child))
    return p


def findings(files: dict[str, str], rule: Rule = eta010.RULE) -> list[Finding]:
    return list(rule.check(project(files)))


def fixed(files: dict[str, str], rule: Rule = eta010.RULE) -> dict[str, str]:
    """What the rule's fix makes of every file (raises Unfixable for the first it leaves)."""
    p = project(files)
    ctx = FixContext(p)
    assert rule.fix is not None
    edits = [e for f in rule.check(p) for e in rule.fix(ctx, f)]
    out = dict(files)
    for name in files:
        mine = [e for e in edits if e.path == name]
        if mine:
            out[name] = apply(files[name], mine, json_syntax=is_json(name))
    return out


def reason(files: dict[str, str], rule: Rule = eta010.RULE) -> str:
    with pytest.raises(Unfixable) as e:
        fixed(files, rule)
    return e.value.reason


def test_eks_tf_auth_exec_gets_the_role_with_its_external_id_and_session_name() -> None:
    aws = (
        'provider "aws" {\n  profile = "base"\n  assume_role {\n    role_arn     = var.role\n'
        '    external_id  = var.external_id\n    session_name = "ci"\n  }\n}\n'
    )
    files = {
        "main.tf": aws + CLUSTER + exec_provider("eks-tf-auth", '["exec", "--cluster-name", "c"]')
    }
    [finding] = findings(files)
    assert finding.message == (
        "provider.kubernetes: exec runs as the ambient AWS identity, but provider.aws assumes role "
        "var.role (data.aws_eks_cluster.c); the cluster may answer Unauthorized"
    )
    assert (
        'args        = ["exec", "--role-arn", var.role, "--external-id", var.external_id, '
        '"--session-name", "ci", "--profile", "base", "--cluster-name", "c"]'
    ) in fixed(files)["main.tf"]
    assert findings(fixed(files)) == []


@pytest.mark.parametrize(
    "args",
    [
        f'["exec", "--role", "{ROLE}"]',
        f'["exec", "--role-arn={ROLE}"]',
        '["exec", "--role-arn", local.role]',  # through locals, to the same string
        'concat(["exec"], ["--role-arn", local.role])',
        '["exec", "--profile", "eks"]',  # a profile: not compared with a role
        '["exec", "--role-arn", local.missing]',  # a local lint does not know: not judged
        '["exec", "--role-arn", local.loop]',  # a local that names itself: not judged
        'concat(["exec"], var.more)',  # not written out
    ],
)
def test_exec_identities_that_agree_or_cannot_be_compared(args: str) -> None:
    locals_ = f'locals {{\n  role = local.same\n  same = "{ROLE}"\n  loop = local.loop\n}}\n'
    assert (
        findings({"main.tf": ASSUME + CLUSTER + locals_ + exec_provider("eks-tf-auth", args)}) == []
    )


def test_a_different_profile() -> None:
    aws = 'provider "aws" {\n  profile = local.p\n}\nlocals {\n  p = local.q\n  q = "base"\n}\n'
    get_token = '["eks", "get-token", "--profile", "other"]'
    files = {"main.tf": aws + CLUSTER + exec_provider("aws", get_token)}
    [finding] = findings(files)
    assert "exec runs as profile other, but provider.aws uses profile local.p" in finding.message
    assert reason(files).startswith("the exec block names profile other: which identity")
    same = files["main.tf"].replace('"other"', '"base"')
    assert findings({"main.tf": same}) == []


def test_aws_iam_authenticator() -> None:
    token = '["token", "-i", "c"]'
    files = {
        "main.tf": ASSUME + CLUSTER + exec_provider("/usr/local/bin/aws-iam-authenticator", token)
    }
    assert f'args        = ["token", "--role", "{ROLE}", "-i", "c"]' in fixed(files)["main.tf"]
    assert findings({"main.tf": files["main.tf"].replace('"-i"', f'"-r", "{ROLE}", "-i"')}) == []
    profile = 'provider "aws" {\n  profile = "p"\n}\n'
    files = {"main.tf": profile + CLUSTER + exec_provider("aws-iam-authenticator", token)}
    assert '    env         = { AWS_PROFILE = "p" }\n' in fixed(files)["main.tf"]
    both = profile.replace("}\n", f'  assume_role {{\n    role_arn = "{ROLE}"\n  }}\n}}\n', 1)
    files = {"main.tf": both + CLUSTER + exec_provider("aws-iam-authenticator", token)}
    assert reason(files) == "aws-iam-authenticator takes the profile from env: set both by hand"
    ext = ASSUME.replace("role_arn", 'external_id = "x"\n    role_arn')
    files = {"main.tf": ext + CLUSTER + exec_provider("aws-iam-authenticator", token)}
    assert reason(files).startswith("aws-iam-authenticator token takes no external id")


def test_other_commands_and_shapes_are_left_alone() -> None:
    for command, args in [
        ("kubelogin", '["get-token"]'),
        ("aws", '["eks", "describe-cluster"]'),
        ("${var.cmd}", '["eks", "get-token"]'),
    ]:
        assert findings({"main.tf": ASSUME + CLUSTER + exec_provider(command, args)}) == []
    no_args = exec_provider("aws", "[]").replace("    args        = []\n", "")
    assert findings({"main.tf": ASSUME + CLUSTER + no_args}) == []
    # Nothing ties the provider to a cluster, or there is no aws provider to compare with.
    loose = exec_provider("aws", '["eks", "get-token"]').replace(
        "data.aws_eks_cluster.c.endpoint", "var.h"
    )
    assert findings({"main.tf": ASSUME + loose}) == []
    assert findings({"main.tf": CLUSTER + exec_provider("aws", '["eks", "get-token"]')}) == []


def test_the_cluster_resource_and_its_provider_alias() -> None:
    aws = ASSUME.replace("{\n", '{\n  alias = "admin"\n', 1)
    resource = 'resource "aws_eks_cluster" "this" {\n  provider = aws.admin\n  name = "c"\n}\n'
    conn = exec_provider("aws", '["eks", "get-token"]').replace(
        "data.aws_eks_cluster.c.endpoint", "aws_eks_cluster.this.endpoint"
    )
    [finding] = findings({"main.tf": aws + resource + conn})
    assert f"provider.aws.admin assumes role {ROLE} (aws_eks_cluster.this)" in finding.message


def test_json_configuration() -> None:
    doc: Any = {
        "provider": {
            "aws": {"assume_role": {"role_arn": "${var.role}"}},
            "kubernetes": {
                "host": "${data.aws_eks_cluster.c.endpoint}",
                "exec": {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "c"]},
            },
        },
        "data": {"aws_eks_cluster": {"c": {"name": "c"}}},
    }
    files = {"main.tf.json": json.dumps(doc, indent=2)}
    [finding] = findings(files)
    assert "provider.aws assumes role var.role" in finding.message
    new = json.loads(fixed(files)["main.tf.json"])
    assert new["provider"]["kubernetes"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--role-arn",
        "${var.role}",
        "--cluster-name",
        "c",
    ]
    doc["provider"]["kubernetes"]["exec"]["args"] = "${var.args}"
    assert findings({"main.tf.json": json.dumps(doc)}) == []
    web = {"assume_role_with_web_identity": {"role_arn": "r", "web_identity_token_file": "/t"}}
    doc["provider"]["aws"] = web
    doc["provider"]["kubernetes"]["exec"]["args"] = ["eks", "get-token"]
    assert reason({"main.tf.json": json.dumps(doc)}) == (
        "--fix does not add env to an exec block in .tf.json"
    )


def test_web_identity_settings() -> None:
    web = (
        'provider "aws" {\n  assume_role_with_web_identity {\n    role_arn = var.role\n'
        '    session_name = "atlantis"\n    web_identity_token_file = "/t"\n  }\n}\n'
    )
    files = {"main.tf": web + CLUSTER + exec_provider("aws", '["eks", "get-token"]')}
    assert (
        'env         = { AWS_ROLE_ARN = var.role, AWS_WEB_IDENTITY_TOKEN_FILE = "/t", '
        'AWS_ROLE_SESSION_NAME = "atlantis" }'
    ) in fixed(files)["main.tf"]
    inline = web.replace('web_identity_token_file = "/t"', "web_identity_token = var.jwt")
    files = {"main.tf": inline + CLUSTER + exec_provider("aws", '["eks", "get-token"]')}
    assert reason(files).startswith("provider.aws is given its web identity token inline")
    env = '    env = { AWS_REGION = "x" }\n'
    files = {"main.tf": web + CLUSTER + exec_provider("aws", '["eks", "get-token"]', env)}
    assert reason(files) == (
        "the exec block already sets env: add AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, "
        "AWS_ROLE_SESSION_NAME to it by hand"
    )


def test_what_the_identity_fix_leaves() -> None:
    per_instance = ASSUME.replace(f'"{ROLE}"', "each.value.role")
    files = {"main.tf": per_instance + CLUSTER + exec_provider("aws", '["eks", "get-token"]')}
    assert reason(files) == "provider.aws's identity depends on its instance: copy it by hand"
    escaped = '["eks", "get\\u002dtoken"]'  # the subcommand is not written as it reads
    files = {"main.tf": ASSUME + CLUSTER + exec_provider("aws", escaped)}
    assert reason(files) == '"get-token" is not written out in args: add the identity by hand'


def test_a_provider_passed_in_by_the_caller() -> None:
    child = CLUSTER + exec_provider("aws", '["eks", "get-token"]')
    aliased = ASSUME.replace("{\n", '{\n  alias = "deploy"\n', 1)
    root = (
        aliased
        + 'module "k8s" {\n  source = "./k8s"\n  providers = {\n    aws = aws.deploy\n  }\n}\n'
    )
    files = {"main.tf": root, "k8s/main.tf": child}
    [finding] = findings(files)
    assert finding.path == "k8s/main.tf"
    assert "provider.aws.deploy assumes role" in finding.message
    assert "(data.aws_eks_cluster.c, passed in by module.k8s)" in finding.message
    assert reason(files).startswith("provider.aws.deploy is passed in by module.k8s: copy")
    # Inherited without `providers`: the default only.
    files = {"main.tf": ASSUME + 'module "k8s" {\n  source = "./k8s"\n}\n', "k8s/main.tf": child}
    assert len(findings(files)) == 1
    files["k8s/main.tf"] = child.replace("{\n  name", "{\n  provider = aws.x\n  name")
    assert findings(files) == []
    # A `providers` map without the alias passes nothing; a module that calls itself ends.
    files = {
        "main.tf": root.replace("aws = aws.deploy", "kubernetes = kubernetes"),
        "k8s/main.tf": child,
    }
    assert findings(files) == []
    loop = child + 'module "again" {\n  source = "./"\n}\n'
    assert findings({"k8s/main.tf": loop}) == []


def test_the_eks_module_anchor_and_dynamic_roles() -> None:
    dynamic = (
        'provider "aws" {\n  alias = "x"\n  dynamic "assume_role" {\n    for_each = var.roles\n'
        "    content {\n      role_arn = assume_role.value\n    }\n  }\n}\n"
    )
    module = (
        'module "eks" {\n  source = "terraform-aws-modules/eks/aws"\n'
        "  providers = { aws = aws.x }\n}\n"
    )
    conn = exec_provider("aws", '["eks", "get-token", "--role-arn", "r"]').replace(
        "data.aws_eks_cluster.c.endpoint", "module.eks.cluster_endpoint"
    )
    assert findings({"main.tf": dynamic + module + conn}) == []  # the role cannot be compared
    conn = conn.replace(', "--role-arn", "r"', "")
    [finding] = findings({"main.tf": dynamic + module + conn})
    assert "provider.aws.x assumes a role set in a dynamic block (module.eks)" in finding.message
    assert reason({"main.tf": dynamic + module + conn}).endswith("dynamic block: copy it by hand")


@pytest.mark.parametrize(
    ("external", "expected"),
    [
        ('program = ["eks-tf-auth", "external"]\n  query = { cluster_name = "c" }', True),
        ('program = ["eks-tf-auth", "external"]', True),
        (f'program = ["eks-tf-auth", "external"]\n  query = {{ role_arn = "{ROLE}" }}', False),
        ('program = ["eks-tf-auth", "external"]\n  query = { profile = "p" }', False),
        ('program = ["aws", "eks", "get-token"]', True),
        (f'program = ["aws", "eks", "get-token", "--role-arn", "{ROLE}"]', False),
        ('program = ["python3", "token.py"]', False),
        ("program = var.program", False),
    ],
)
def test_data_external(external: str, expected: bool) -> None:
    files = {"main.tf": ASSUME + CLUSTER + f'data "external" "e" {{\n  {external}\n}}\n'}
    found = findings(files)
    assert bool(found) is expected
    if expected:
        assert found[0].message.startswith("data.external.e: its program runs as the ambient")
        assert reason(files) == 'a data "external" query: add role_arn or profile to it by hand'
    # Without an EKS data source in the module there is nothing to compare with.
    assert findings({"main.tf": ASSUME + f'data "external" "e" {{\n  {external}\n}}\n'}) == []


def test_nothing_in_a_saved_plan_is_fixed() -> None:
    p = Project()
    text = ASSUME + CLUSTER + exec_provider("aws", '["eks", "get-token"]')
    p.modules["plan!"] = Module("plan!", [parse_config("plan!main.tf", text)])
    [finding] = eta010.RULE.check(p)
    with pytest.raises(Unfixable, match="inside a saved plan"):
        eta010.fix(FixContext(p), finding)


def test_the_cluster_auth_fix_runs_exec_as_the_aws_provider_does() -> None:
    """ETA001's exec block carries the identity, so that ETA010 has nothing to say after it."""
    auth = 'data "aws_eks_cluster_auth" "a" {\n  provider = aws.x\n  name     = "c"\n}\n'
    auth += auth.replace("_auth", "")
    token = TOKEN.replace("ephemeral.", "data.").replace('"h"', "data.aws_eks_cluster.a.endpoint")
    aws = (
        'provider "aws" {\n  alias   = "x"\n  profile = "base"\n  assume_role {\n'
        f'    role_arn     = "{ROLE}"\n    external_id  = var.id\n    session_name = "s"\n'
        "  }\n}\n"
    )
    new = fixed({"main.tf": aws + auth + token}, eta001.RULE)["main.tf"]
    assert (
        f'args        = ["exec", "--cluster-name", "c", "--role-arn", "{ROLE}", "--external-id", '
        'var.id, "--session-name", "s", "--profile", "base"]'
    ) in new
    assert findings({"main.tf": new}) == []
    web = aws.replace("assume_role {", "assume_role_with_web_identity {")
    new = fixed({"main.tf": web + auth + token}, eta001.RULE)["main.tf"]
    assert 'args        = ["exec", "--cluster-name", "c"]' in new  # ETA010 takes it from here
    assert len(findings({"main.tf": new})) == 1
    doc = {
        "provider": {
            "aws": {"profile": "p"},
            "kubernetes": {"token": "${data.aws_eks_cluster_auth.a.token}"},
        },
        "data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}},
    }
    new = fixed({"main.tf.json": json.dumps(doc)}, eta001.RULE)["main.tf.json"]
    exec_block = json.loads(new)["provider"]["kubernetes"]["exec"]
    assert exec_block["args"] == ["exec", "--cluster-name", "c", "--profile", "p"]


# --- ETA011 ----------------------------------------------------------------------------------

EPHEMERAL = 'ephemeral "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
TOKEN = (
    'provider "kubernetes" {\n  host  = "h"\n  token = ephemeral.aws_eks_cluster_auth.a.token\n}\n'
)


def test_ephemeral_fix_makes_exec_and_removes_what_only_the_token_used() -> None:
    [finding] = findings({"main.tf": EPHEMERAL + TOKEN}, eta011.RULE)
    assert finding.severity.value == "note"
    new = fixed({"main.tf": EPHEMERAL + TOKEN}, eta011.RULE)["main.tf"]
    assert new == (
        'provider "kubernetes" {\n  host = "h"\n  exec {\n'
        '    api_version = "client.authentication.k8s.io/v1beta1"\n'
        '    command     = "eks-tf-auth"\n    args        = ["exec", "--cluster-name", "c"]\n'
        "  }\n}\n"
    )
    kept = EPHEMERAL + "locals {\n  t = ephemeral.aws_eks_cluster_auth.a.token\n}\n" + TOKEN
    assert (
        'ephemeral "aws_eks_cluster_auth" "a"' in fixed({"main.tf": kept}, eta011.RULE)["main.tf"]
    )


def test_ephemeral_fix_beside_an_exec_block_drops_the_token() -> None:
    both = TOKEN.replace("}\n", '  exec {\n    command = "eks-tf-auth"\n  }\n}\n')
    new = fixed({"main.tf": EPHEMERAL + both}, eta011.RULE)["main.tf"]
    assert "token" not in new.split("provider", 1)[1] and 'command = "eks-tf-auth"' in new


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "main.tf": EPHEMERAL + 'provider "helm" {\n  kubernetes = merge(local.k, '
                "{ token = ephemeral.aws_eks_cluster_auth.a.token })\n}\n"
            },
            "the kubernetes attribute is built by an expression",
        ),
        (
            {"main.tf": TOKEN},
            "ephemeral.aws_eks_cluster_auth.a is not declared in this module",
        ),
        (
            {"main.tf": EPHEMERAL.replace('"c"', "each.key") + TOKEN},
            "ephemeral.aws_eks_cluster_auth.a has one token per instance",
        ),
        (
            {
                "main.tf": EPHEMERAL
                + 'module "k" {\n  source = "./k"\n'
                + "  token = ephemeral.aws_eks_cluster_auth.a.token\n}\n",
                "k/main.tf": 'provider "kubernetes" {\n  token = var.token\n}\n',
            },
            "the token comes through var.token",
        ),
    ],
    ids=["helm-expression", "undeclared", "per-instance", "module-input"],
)
def test_what_the_ephemeral_fix_leaves(files: dict[str, str], expected: str) -> None:
    assert reason(files, eta011.RULE).startswith(expected)


def test_no_ephemeral_fix_in_a_saved_plan() -> None:
    p = Project()
    p.modules["plan!"] = Module("plan!", [parse_config("plan!main.tf", EPHEMERAL + TOKEN)])
    [finding] = eta011.RULE.check(p)
    with pytest.raises(Unfixable, match="inside a saved plan"):
        eta011.fix(FixContext(p), finding)


def test_rule_messages_name_both_identities_and_never_say_fail() -> None:
    files = {"main.tf": ASSUME + CLUSTER + exec_provider("aws", '["eks", "get-token"]')}
    for f in findings(files) + findings({"main.tf": EPHEMERAL + TOKEN}, eta011.RULE):
        assert "fail" not in f.message.lower()
    assert re.search(r"exec runs as .*, but provider\.aws assumes role", findings(files)[0].message)


def test_a_string_with_an_invalid_escape_is_not_a_literal() -> None:
    """`"\\g"` is no string HCL or JSON can decode: neither a command nor a flag value."""
    args = '["--profile=deploy", "eks", "\\get-token", "--cluster-name", "prod"]'
    files = {"main.tf": 'provider "aws" {\n  profile = "deploy"\n}\n' + CLUSTER}
    files["main.tf"] += exec_provider("aws", args)
    assert findings(files) == []
    files["main.tf"] = files["main.tf"].replace('"deploy"\n}', '"\\deploy"\n}', 1)
    assert findings(files) == []
