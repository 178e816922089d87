"""`eks-tf-auth lint`: find every path by which a plan-time EKS token reaches a provider or an
artefact. rule.py holds the model, engine.py runs the rules, rules/ has one rule per file and
formats/ one output format per file."""

from __future__ import annotations
