"""Provider connections on small modules: which providers and shapes are read (providers.FORMS),
where a finding points, and that --fix finds the connection again from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from eks_tf_auth.lint import providers
from eks_tf_auth.lint.connections import (
    KUBE_PROVIDERS,
    Connection,
    Where,
    _element_end,
    connections,
    tainted_tokens,
    token_value,
    with_token_at,
)
from eks_tf_auth.lint.flow import Flow, Kind
from eks_tf_auth.lint.loader import load
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.providers import Holder
from eks_tf_auth.lint.syntax import classify

AUTH = 'data "aws_eks_cluster_auth" "this" {\n  name = "prod"\n}\n'
TOKEN = "data.aws_eks_cluster_auth.this.token"


def project_of(tmp_path: Path, **files: str) -> Project:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return load([tmp_path], cwd=tmp_path)


def by_name(project: Project) -> dict[str, Connection]:
    return {c.name: c for c in connections(project)}


def sites(project: Project, kind: Kind = Kind.AUTH) -> dict[str, Where]:
    return {c.name: where for c, where, _ in tainted_tokens(project, kind)}


def test_the_table_names_each_provider_once_per_shape() -> None:
    shapes = [(f.provider, f.holder) for f in providers.FORMS]
    assert len(shapes) == len(set(shapes))
    assert KUBE_PROVIDERS == (
        "kubernetes",
        "kubernetes-alpha",
        "kubectl",
        "helm",
        "flux",
        "kustomization",
    )
    assert [f.holder for f in providers.forms_of("flux")] == [Holder.BLOCK, Holder.ATTRIBUTE]
    assert providers.forms_of("aws") == ()
    assert all(
        f.docs.startswith("https://registry.terraform.io/providers/") for f in providers.FORMS
    )
    [kustomization] = providers.forms_of("kustomization")
    assert kustomization.unfixable and kustomization.kubeconfig and not kustomization.exec
    assert kustomization.syntax == 'provider "kustomization" { kubeconfig_raw = ... }'


def test_every_form_is_read_with_its_token(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + f"""
provider "kubernetes-alpha" {{
  token = {TOKEN}
}}

provider "flux" {{
  kubernetes {{
    token = {TOKEN}
  }}
}}

provider "flux" {{
  alias = "v1"
  kubernetes = {{
    token = {TOKEN}
    exec = {{
      command = "eks-tf-auth"
    }}
  }}
}}

provider "kustomization" {{
  kubeconfig_raw = yamlencode({{ users = [{{ user = {{ token = {TOKEN} }} }}] }})
}}

provider "aws" {{
  region = "eu-west-1"
}}
"""
        },
    )
    conns = by_name(project)
    assert set(conns) == {
        "provider.kubernetes-alpha",
        "provider.flux",
        "provider.flux.v1",
        "provider.kustomization",
    }
    alpha, flux = conns["provider.kubernetes-alpha"], conns["provider.flux"]
    v1, kust = conns["provider.flux.v1"], conns["provider.kustomization"]
    assert alpha.token_attribute is not None and alpha.token_refs == (
        "data.aws_eks_cluster_auth.this",
    )
    assert (
        flux.body.kind == "kubernetes" and not flux.in_object and flux.token_attribute is not None
    )
    assert v1.in_object and v1.has_exec and v1.form is not None and v1.form.versions == "1.x"
    # The kubeconfig is the token's carrier; --fix cannot rewrite it (it is no exec block).
    assert kust.token_expr.startswith("yamlencode(") and kust.token_attribute is None
    assert kust.unfixable == providers.KUBECONFIG_UNFIXABLE and not kust.has_exec
    assert set(sites(project)) == set(conns)


def test_a_multi_line_token_is_reported_on_its_own_line(tmp_path: Path) -> None:
    text = AUTH + (
        'provider "kubernetes" {\n'  # line 4
        "  token = (\n"
        f"    var.on ? null : {TOKEN}\n"  # line 6, the reference at column 21
        "  )\n"
        "}\n"
        'provider "kubectl" {\n'
        f"  token = {TOKEN}\n"  # line 10: one line, the attribute's own position
        "}\n"
    )
    project = project_of(tmp_path, **{"main.tf": text})
    assert sites(project) == {
        "provider.kubernetes": Where("main.tf", 6, 21),
        "provider.kubectl": Where("main.tf", 10, 3),
    }
    # --fix finds the connection again from either position: the finding's, or the token's.
    moved = with_token_at(project, Where("main.tf", 6, 21))
    assert moved is not None and moved.name == "provider.kubernetes"
    assert moved.token == Where("main.tf", 5, 3)
    assert with_token_at(project, Where("main.tf", 5, 3)) == moved
    assert with_token_at(project, Where("main.tf", 6, 1), Flow(project)) is None


def test_an_expression_is_searched_for_its_token(tmp_path: Path) -> None:
    text = AUTH + (
        'provider "helm" {\n'
        "  kubernetes = merge(local.base, {\n"  # line 5
        '    host  = "https://example.com" # token = not this one\n'
        f"    token = try({TOKEN}, null)\n"  # line 7
        "  })\n"
        "}\n"
    )
    project = project_of(tmp_path, **{"main.tf": text})
    [conn] = connections(project)
    assert conn.token == Where("main.tf", 7, 5)
    assert conn.token_expr == f"try({TOKEN}, null)"
    assert conn.whole is None and conn.token_attribute is None
    assert conn.unfixable == "the kubernetes attribute is built by an expression: edit it by hand"
    assert sites(project) == {"provider.helm": Where("main.tf", 7, 5)}


def test_a_token_set_on_the_attribute_line_keeps_its_column(tmp_path: Path) -> None:
    text = (
        AUTH + f'provider "helm" {{\n  kubernetes = merge(local.base, {{ token = {TOKEN} }})\n}}\n'
    )
    project = project_of(tmp_path, **{"main.tf": text})
    [conn] = connections(project)
    assert conn.token == Where("main.tf", 5, 36)
    assert conn.token_expr == TOKEN


def test_a_connection_object_in_a_local_is_read_where_the_local_is(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + 'provider "helm" {\n  kubernetes = local.alias\n}\n'
            + 'provider "flux" {\n  kubernetes = (local.kube)\n}\n',
            "locals.tf": (
                "locals {\n  alias = local.kube\n}\n\n"
                "locals {\n"
                "  kube = {\n"
                '    host                   = "https://example.com"\n'
                '    cluster_ca_certificate = "pem"\n'
                f"    token                  = {TOKEN}\n"  # line 9
                "  }\n"
                "}\n"
            ),
        },
    )
    helm, flux = connections(project)
    for conn in (helm, flux):
        assert conn.path == "locals.tf" and conn.in_object
        assert conn.via is not None and conn.via.name == "kube" and conn.via_path == "locals.tf"
        assert conn.token == Where("locals.tf", 9, 5) and conn.token_attribute is None
        assert conn.unfixable == (
            "the connection is built in local.kube: replace its token with an exec object there "
            "by hand"
        )
        assert conn.ca is None  # in another file than the provider: not edited there
    assert sites(project) == {
        "provider.helm": Where("locals.tf", 9, 5),
        "provider.flux": Where("locals.tf", 9, 5),
    }
    assert with_token_at(project, Where("locals.tf", 9, 5)) == helm


def test_a_local_that_is_an_expression_is_searched_as_text(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + 'provider "helm" {\n  kubernetes = local.kube\n}\n'
            + "locals {\n"
            + "  kube = merge(local.base, {\n"  # line 8
            + f"    token = {TOKEN}\n"  # line 9
            + "  })\n}\n"
        },
    )
    [conn] = connections(project)
    assert conn.via is not None and conn.via.name == "kube"
    assert conn.token == Where("main.tf", 9, 5)
    assert conn.unfixable.startswith("the connection is built in local.kube")


def test_locals_are_followed_only_as_far_as_they_go(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + 'provider "helm" {\n  kubernetes = local.a\n}\n'
            + 'provider "flux" {\n  kubernetes = local.missing\n}\n'
            + "locals {\n  a = local.b\n  b = local.a\n}\n"
        },
    )
    helm, flux = connections(project)
    assert helm.via is not None and helm.via.name == "b"  # a cycle ends where it closes
    assert flux.via is None and flux.whole is not None and flux.whole.expr == "local.missing"
    assert flux.token is None and token_value(flux) == flux.whole
    assert sites(project) == {}


def test_a_connection_object_from_a_variable_is_tainted_through_the_call(tmp_path: Path) -> None:
    child = tmp_path / "k8s"
    child.mkdir()
    (child / "main.tf").write_text('provider "helm" {\n  kubernetes = var.kube\n}\n')
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + 'module "k8s" {\n  source = "./k8s"\n'
            + f"  kube = {{\n    token = {TOKEN}\n  }}\n}}\n"
        },
    )
    [(conn, where, taint)] = tainted_tokens(project, Kind.AUTH)
    assert conn.whole is not None and conn.token is None
    assert where == Where("k8s/main.tf", 2, 3)
    assert taint.describe() == "data.aws_eks_cluster_auth.this via var.kube"


def test_a_kubeconfig_built_in_a_local_is_reported_on_the_token_line(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        **{
            "main.tf": AUTH
            + 'provider "kustomization" {\n  kubeconfig_raw = local.kubeconfig\n}\n'
            + 'provider "kustomization" {\n  alias          = "path"\n'
            + '  kubeconfig_path = "~/.kube/config"\n}\n',
            "kubeconfig.tf": (
                "locals {\n"
                "  kubeconfig = yamlencode({\n"
                "    users = [{\n"
                f"      user = {{ token = {TOKEN} }}\n"  # line 4, the reference at column 24
                "    }]\n"
                "  })\n"
                "}\n"
            ),
        },
    )
    raw, path = connections(project)
    assert raw.token == Where("main.tf", 5, 3) and raw.via_path == "kubeconfig.tf"
    assert path.token is None and token_value(path) is None
    assert sites(project) == {"provider.kustomization": Where("kubeconfig.tf", 4, 24)}
    assert with_token_at(project, Where("kubeconfig.tf", 4, 24)) == raw


def test_external_tokens_are_sited_the_same_way(tmp_path: Path) -> None:
    text = (
        'data "external" "eks" {\n  program = ["eks-tf-auth", "external"]\n}\n'
        'provider "flux" {\n  kubernetes = {\n    token = try(\n'
        "      data.external.eks.result.token,\n"  # line 7
        '      "",\n    )\n  }\n}\n'
    )
    project = project_of(tmp_path, **{"main.tf": text})
    assert sites(project, Kind.EXTERNAL) == {"provider.flux": Where("main.tf", 7, 7)}
    assert sites(project, Kind.AUTH) == {}
    conn = with_token_at(project, Where("main.tf", 7, 7))
    assert conn is not None and conn.name == "provider.flux"


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("a, b", 1),
        ("f(a, b)\nnext", 7),
        ("{ x = [1, 2] } }", 15),
        ('"a,b" # c,\n', 10),
        ("f(a", 3),  # nothing closes it: the rest of the text
    ],
)
def test_an_element_ends_at_a_comma_newline_or_closing_bracket(text: str, end: int) -> None:
    assert _element_end(text, classify(text), 0) == end
