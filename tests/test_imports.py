"""The package's import graph: every import of one of its modules by another, at the top, inside
functions and under `if TYPE_CHECKING:`, must form no cycle; and third-party libraries load only
in the packages that own them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import eks_tf_auth

ROOT = Path(eks_tf_auth.__file__).parent
PACKAGE = "eks_tf_auth"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every package module that `path` imports, wherever the import statement stands."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` imports the module pkg.sub where there is one.
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                for a in node.names
            ]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] == PACKAGE)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imports(path, known)) - {name} for name, path in known.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    edges = graph()
    assert "eks_tf_auth.aws.credentials" in edges["eks_tf_auth.token"]  # TYPE_CHECKING
    assert "eks_tf_auth.aws.session" in edges["eks_tf_auth.identity"]  # inside a function
    assert "eks_tf_auth.identity" in edges["eks_tf_auth"]  # the public API


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


OWNERS = {
    # third-party top-level module -> the only package parts that may import it
    "botocore": ("eks_tf_auth.aws",),
    "boto3": ("eks_tf_auth.aws",),
    "jinja2": ("eks_tf_auth.render",),
    "hcl2": ("eks_tf_auth.lint.hcl",),
    "lark": ("eks_tf_auth.lint.hcl",),
    "click": ("eks_tf_auth.cli", "eks_tf_auth.commands"),
    "lightkube": ("eks_tf_auth.kube.client",),
    "httpx": ("eks_tf_auth.kube.client",),
    "httpx2": ("eks_tf_auth.kube.client",),
    "msgspec": ("eks_tf_auth.kube.client",),
}


def test_third_party_libraries_load_only_where_they_are_owned() -> None:
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [node.module.split(".")[0]]
            else:
                continue
            for lib in found:
                owners = OWNERS.get(lib)
                assert owners is None or name.startswith(owners), f"{name} imports {lib}"
