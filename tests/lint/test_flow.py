"""The token dataflow on a small module: which references carry a token, and by what path."""

from __future__ import annotations

from pathlib import Path

import pytest

from eks_tf_auth.lint.flow import Flow, Kind, reference_offset
from eks_tf_auth.lint.loader import load

MAIN = """\
data "aws_eks_cluster_auth" "this" {
  name = "prod"
}

data "aws_eks_cluster" "this" {
  name = "prod"
}

data "external" "creds" {
  program = ["eks-tf-auth", "external"]
}

locals {
  token    = data.aws_eks_cluster_auth.this.token
  endpoint = data.aws_eks_cluster.this.endpoint
  again    = local.token
}

provider "kubernetes" {
  host  = local.endpoint
  token = local.again
}
"""


def flow_of(tmp_path: Path) -> tuple[Flow, str]:
    (tmp_path / "main.tf").write_text(MAIN)
    project = load([tmp_path], cwd=tmp_path)
    [directory] = project.modules
    return Flow(project), directory


def test_other_data_sources_carry_no_token(tmp_path: Path) -> None:
    flow, module = flow_of(tmp_path)
    assert flow.of(module, ["data.aws_eks_cluster.this.endpoint"]) is None
    assert flow.of(module, ["local.endpoint"]) is None
    assert "local.endpoint" not in flow.symbols(module)


def test_a_token_is_followed_through_locals(tmp_path: Path) -> None:
    flow, module = flow_of(tmp_path)
    taint = flow.of(module, ["local.endpoint", "local.again"])
    assert taint is not None and taint.kind is Kind.AUTH
    assert taint.describe() == "data.aws_eks_cluster_auth.this via local.token via local.again"
    assert flow.of(module, ["local.again"], Kind.EXTERNAL) is None
    external = flow.of(module, ["data.external.creds.result.token"])
    assert external is not None and external.kind is Kind.EXTERNAL
    assert flow.symbols(module) == {"local.token", "local.again"}


TEMPLATE = """\
data "aws_eks_cluster_auth" "this" {
  name = "prod"
}

data "template_file" "kubeconfig" {
  template = file("kubeconfig.tpl")
  vars = {
    endpoint = var.endpoint
    token    = data.aws_eks_cluster_auth.this.token
  }
}

data "template_file" "readme" {
  template = file("readme.tpl")
  vars = {
    cluster = var.cluster_name
  }
}

data "http" "health" {
  url = "https://example.com/healthz"
}

locals {
  kubeconfig = data.template_file.kubeconfig.rendered
  readme     = data.template_file.readme.rendered
}
"""


def test_a_template_renders_what_its_variables_carry(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TEMPLATE)
    project = load([tmp_path], cwd=tmp_path)
    [module] = project.modules
    flow = Flow(project)
    taint = flow.of(module, ["data.template_file.kubeconfig.rendered"])
    assert taint is not None and taint.kind is Kind.AUTH
    assert taint.describe() == "data.aws_eks_cluster_auth.this via data.template_file.kubeconfig"
    assert flow.of(module, ["data.template_file.readme.rendered"]) is None
    assert flow.of(module, ["data.http.health.response_body"]) is None
    assert flow.symbols(module) == {"data.template_file.kubeconfig", "local.kubeconfig"}
    assert flow.first(module, ["local.readme", "local.kubeconfig"]) == (
        "local.kubeconfig",
        flow.of(module, ["local.kubeconfig"]),
    )


def test_a_file_that_only_reads_a_rendered_template_is_parsed(tmp_path: Path) -> None:
    """The loader sets aside files that name nothing of interest; one that writes the rendered
    template is read because the template is a tainted symbol."""
    (tmp_path / "main.tf").write_text(TEMPLATE)
    (tmp_path / "files.tf").write_text(
        'resource "local_file" "kubeconfig" {\n'
        "  content  = data.template_file.kubeconfig.rendered\n"
        '  filename = "kubeconfig"\n'
        "}\n"
    )
    (tmp_path / "other.tf").write_text('resource "null_resource" "x" {}\n')
    project = load([tmp_path], cwd=tmp_path)
    [module] = project.modules.values()
    assert sorted(f.path for f in module.files) == ["files.tf", "main.tf"]


def test_site_points_at_the_tainted_reference_on_a_later_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TEMPLATE)
    project = load([tmp_path], cwd=tmp_path)
    [module] = project.modules
    flow = Flow(project)
    [vars_] = [
        b.attributes["vars"]
        for b in project.modules[module].blocks
        if b.labels == ("template_file", "kubeconfig")
    ]
    assert flow.site(module, "main.tf", vars_) == (9, 16)
    assert flow.site(module, "main.tf", vars_, Kind.EXTERNAL) == (7, 3)  # none of that kind
    assert flow.site(module, "elsewhere.tf", vars_) == (7, 3)  # a file lint did not read
    [kubeconfig, readme] = [
        a
        for b in project.modules[module].blocks
        if b.kind == "locals"
        for a in b.attributes.values()
    ]
    assert flow.site(module, "main.tf", kubeconfig) == (25, 3)  # on its first line
    assert flow.site(module, "main.tf", readme) == (26, 3)  # nothing tainted


@pytest.mark.parametrize(
    ("expr", "offset"),
    [
        ("data.a.b.token", 0),
        ("# data.a.b\ndata.a.b", 11),  # not in a comment
        ('"data.a.b" == data.a.b', 14),  # not in a plain string
        ('"x ${data.a.b}"', 5),  # but in an interpolation
        ('"${f("}")} data.a.b"', None),  # after the interpolation closed
        ("data.a.bc", None),  # another name
        ("xdata.a.b", None),
    ],
)
def test_reference_offset(expr: str, offset: int | None) -> None:
    assert reference_offset(expr, "data.a.b") == offset
