"""`eks-tf-auth lint`: find every path by which a plan-time EKS token reaches a provider or an
artefact.

The import arrows point one way, from the bottom up:
- hcl.py parses Terraform files (the only python-hcl2 importer);
- model.py is what lint read: modules, module calls, plan tokens, problems, the project;
- flow.py is the token dataflow over a project; connections.py the Kubernetes providers'
  connections, with their token and exec settings;
- plans.py reads plan artefacts and loader.py decides what to read and parse;
- rule.py is what a rule is and reports, rules/ has one rule per file, engine.py runs them,
  formats/ has one output format per file, fix.py rewrites what ETA001 flags.
"""

from __future__ import annotations
