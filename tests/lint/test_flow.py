"""The token dataflow on a small module: which references carry a token, and by what path."""

from __future__ import annotations

from pathlib import Path

from eks_tf_auth.lint.flow import Flow, Kind
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
