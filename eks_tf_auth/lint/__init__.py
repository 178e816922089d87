"""`eks-tf-auth lint`: find every path by which a plan-time EKS token reaches a provider or an
artefact, and (`--fix`) rewrite what can be rewritten.

The import arrows point one way, from the bottom up:
- hcl.py parses Terraform files (the only python-hcl2 importer); syntax.py reads what the parse
  tree does not say (code, strings and comments by position; the two syntaxes' values);
- model.py is what lint read: modules, module calls, plan tokens, problems, the project;
- flow.py is the token dataflow over a project; connections.py the Kubernetes providers'
  connections, with their token, exec and CA settings;
- plans.py reads plan artefacts and loader.py decides what to read and parse;
- rule.py is what a rule is and reports, rules/ has one rule per file (its check, and its fix
  where it has one, made of edits.py's position-kept edits), engine.py runs them, formats/ has one
  output format per file, fix.py applies the rules' fixes and removes what they leave unused.
"""

from __future__ import annotations
