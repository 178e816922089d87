"""The cluster connections that Terraform's Kubernetes-capable providers configure — every
provider in providers.FORMS: the kubernetes, kubernetes-alpha and kubectl providers themselves,
the `kubernetes` block or attribute of helm and flux, and the kustomization provider's
`kubeconfig_raw` — each with its token, exec and CA settings.

helm 3.x's and flux 1.x's `kubernetes = { ... }` and `exec = { ... }` are object constructors;
where they are written out (not built by a function), their elements are read like a block's
attributes, with their own positions, so that rules and --fix treat both syntaxes alike. Where the
whole object is a local (`kubernetes = local.kube`), the local's elements are read the same way,
where they are (`Connection.via`); any other expression (`merge(...)`, `var.kube`) is searched as
text for its token (`Connection.whole`).

`tainted_tokens` says where a finding points: at the token's tainted reference, on its own line,
rather than where a long expression starts (flow.Flow.site); `with_token_at` finds the connection
again from that position or from the token's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from eks_tf_auth.lint import providers
from eks_tf_auth.lint.flow import Flow, Kind, Taint
from eks_tf_auth.lint.hcl import Attribute, Block, references
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.providers import Holder, ProviderForm
from eks_tf_auth.lint.syntax import CODE, as_hcl, classify, split_conditional, unwrap

KUBE_PROVIDERS = providers.PROVIDER_TYPES
# A kubernetes attribute that is not an object constructor (merge(...), a local): its text only.
_OBJECT_TOKEN = re.compile(r"(?m)(?:^|[{,])\s*(?P<key>token)\s*=\s*(?P<value>[^\n,}]+)")
_OBJECT_EXEC = re.compile(r"(?m)(?:^|[{,])\s*exec\s*=")
_EMPTY = re.compile(r"\[\s*\]|\{\s*\}|(?:toset|tolist|tomap)\(\s*(?:\[\s*\]|\{\s*\})\s*\)")
_LOCAL = re.compile(r"local\.(?P<name>[A-Za-z_][\w-]*)")
_Predicate = Callable[[str], bool]
MAX_LOCAL_HOPS = 8  # `kubernetes = local.a`, local.a = local.b, ...: how far aliases are followed
WHOLE_OBJECT_UNFIXABLE = (
    "the connection is built in {where}: replace its token with an exec object there by hand"
)
EXPRESSION_UNFIXABLE = "the {key} attribute is built by an expression: edit it by hand"


@dataclass(frozen=True)
class Where:
    path: str
    line: int
    column: int
    # Where the position is inside a multi-line attribute, the attribute's first line (for
    # suppression comments above it); 0 otherwise.
    statement: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Connection:
    module: str  # the module's directory
    provider: Block
    body: Block  # what holds the settings: the provider, its kubernetes block or object, or
    # the local that holds that object
    token: Where | None  # where `token` is set, if it is
    token_expr: str
    token_refs: tuple[str, ...]
    token_attribute: Attribute | None  # None where the token is only found in text
    exec_blocks: tuple[Block, ...]  # exec { }, exec = { } and dynamic "exec" { content { } }
    dynamic_exec: tuple[Block, ...]  # the dynamic "exec" blocks themselves
    exec_attribute: Attribute | None  # exec = something that is not an object constructor
    in_object: bool = False  # body is an object constructor (helm 3.x, flux 1.x, a local)
    form: ProviderForm | None = None  # the row of providers.FORMS this connection is
    # `kubernetes = local.kube`: the local's attribute, read as the body; `kubeconfig_raw =
    # local.kubeconfig`: the local that builds the kubeconfig. In the file via_path.
    via: Attribute | None = None
    whole: Attribute | None = None  # an expression searched as text, where no token was found
    unfixable: str = ""  # why --fix cannot rewrite the token here ("": it may)
    via_path: str = ""

    @property
    def name(self) -> str:
        alias = self.provider.attributes.get("alias")
        label = self.provider.labels[0] if self.provider.labels else "?"
        suffix = f".{alias.expr.strip(chr(34))}" if alias else ""
        return f"provider.{label}{suffix}"

    @property
    def has_exec(self) -> bool:
        return bool(self.exec_blocks) or self.exec_attribute is not None

    @property
    def ca(self) -> Attribute | None:
        """The CA setting, where it is in the provider's own file (rules edit it there)."""
        if self.body.path != self.provider.path:
            return None
        return self.body.attributes.get("cluster_ca_certificate")

    @property
    def path(self) -> str:
        """The file that holds the settings (a local's, for `kubernetes = local.kube`)."""
        return self.body.path


def connections(project: Project) -> Iterator[Connection]:
    for directory, module in project.modules.items():
        for provider in module.of_kind("provider"):
            kind = provider.labels[0] if provider.labels else ""
            for form in providers.forms_of(kind):
                yield from _connections(directory, module, provider, form)


def _connections(
    directory: str, module: Module, provider: Block, form: ProviderForm
) -> Iterator[Connection]:
    if form.holder is Holder.PROVIDER:
        yield _connection(directory, provider, provider, form=form, module=module)
    elif form.holder is Holder.BLOCK:
        for nested in provider.blocks:
            if nested.kind == form.key:
                yield _connection(directory, provider, nested, form=form, module=module)
    elif (attr := provider.attributes.get(form.key)) is not None:
        yield _attribute_connection(directory, module, provider, attr, form)


def _attribute_connection(
    directory: str, module: Module, provider: Block, attr: Attribute, form: ProviderForm
) -> Connection:
    """`kubernetes = { ... }`, `kubernetes = local.kube` or any other expression."""
    if attr.items:
        return _connection(
            directory, provider, object_block(provider.path, attr), in_object=True, form=form
        )
    path, value = resolve_local(module, provider.path, attr)
    if value is attr:
        return _text_connection(directory, provider, attr, form)
    why = WHOLE_OBJECT_UNFIXABLE.format(where=f"local.{value.name}")
    if value.items:
        body = object_block(path, value)
        return _connection(
            directory, provider, body, in_object=True, form=form, via=(path, value), unfixable=why
        )
    conn = _text_connection(directory, provider, value, form, path=path)
    return replace(conn, via=value, via_path=path, unfixable=why)


def resolve_local(module: Module, path: str, attr: Attribute) -> tuple[str, Attribute]:
    """What an attribute that is exactly `local.x` stands for, following aliases
    (`local.a` = `local.b`); the attribute itself where it is anything else. With its file."""
    seen: set[str] = set()
    while (m := _LOCAL.fullmatch(unwrap(as_hcl(attr.expr, path)))) and len(seen) < MAX_LOCAL_HOPS:
        found = _local(module, m.group("name"))
        if found is None or m.group("name") in seen:
            break
        seen.add(m.group("name"))
        path, attr = found
    return path, attr


def _local(module: Module, name: str) -> tuple[str, Attribute] | None:
    for block in module.of_kind("locals"):
        if (attr := block.attributes.get(name)) is not None:
            return block.path, attr
    return None


def object_block(path: str, attr: Attribute) -> Block:
    """An object constructor (`kubernetes = { ... }`) seen as a block of its elements; its
    `exec = { ... }` element, if it is one, as a nested block."""
    nested = tuple(
        object_block(path, item)
        for name, item in attr.items.items()
        if name == "exec" and item.items
    )
    attributes = {n: a for n, a in attr.items.items() if not (n == "exec" and a.items)}
    return Block(
        path, attr.name, (), attr.line, attr.column, attr.start, attr.end, attributes, nested
    )


def _connection(
    directory: str,
    provider: Block,
    body: Block,
    *,
    in_object: bool = False,
    form: ProviderForm,
    via: tuple[str, Attribute] | None = None,
    unfixable: str = "",
    module: Module | None = None,
) -> Connection:
    token = body.attributes.get(form.token)
    where = Where(body.path, token.line, token.column) if token else None
    dynamic = tuple(b for b in body.blocks if b.kind == "dynamic" and b.labels[:1] == ("exec",))
    execs = [b for b in body.blocks if b.kind == "exec"]
    execs += [c for d in dynamic for c in d.blocks if c.kind == "content"]
    unfixable = unfixable or form.unfixable
    if module is not None and token is not None and form.kubeconfig:
        located = resolve_local(module, body.path, token)
        via = located if located[1] is not token else None
    return Connection(
        directory,
        provider,
        body,
        where,
        token.expr if token else "",
        token.refs if token else (),
        None if unfixable else token,
        tuple(execs),
        dynamic,
        body.attributes.get("exec"),
        in_object,
        form,
        via[1] if via else None,
        None,
        unfixable,
        via[0] if via else "",
    )


def _text_connection(
    directory: str,
    provider: Block,
    attr: Attribute,
    form: ProviderForm,
    *,
    path: str | None = None,
) -> Connection:
    """`kubernetes = <not an object constructor>`: the token is found in its text (and read as
    the body's token attribute, with its own position), or else the whole expression stands for
    it (`Connection.whole`)."""
    path = path or provider.path
    text = attr.expr
    kinds = classify(text)
    match = next((m for m in _OBJECT_TOKEN.finditer(text) if kinds[m.start("key")] == CODE), None)
    attributes: dict[str, Attribute] = {}
    if match:
        expr = text[match.start("value") : _element_end(text, kinds, match.start("value"))]
        expr = expr.rstrip()
        before = text[: match.start("key")]
        line = attr.line + before.count("\n")
        column = (
            match.start("key") - before.rfind("\n")
            if "\n" in before
            else attr.column + (attr.expr_start - attr.start) + match.start("key")
        )
        start = attr.expr_start + match.start("key")
        end = attr.expr_start + match.start("value") + len(expr)
        element = Attribute(form.token, line, column, start, end, expr, references(expr))
        attributes[form.token] = element
    token = attributes.get(form.token)
    body = Block(path, form.key, (), attr.line, attr.column, attr.start, attr.end, attributes)
    return Connection(
        directory,
        provider,
        body,
        Where(path, token.line, token.column) if token else None,
        token.expr if token else "",
        token.refs if token else (),
        None,
        (),
        (),
        attr if _OBJECT_EXEC.search(text) else None,
        form=form,
        whole=None if token else attr,
        unfixable=EXPRESSION_UNFIXABLE.format(key=form.key),
    )


def _element_end(text: str, kinds: str, start: int) -> int:
    """Where an object element's value that starts at `start` ends: at the `,` or newline
    outside brackets that follows it, or the bracket that closes the object around it."""
    depth = 0
    for i in range(start, len(text)):
        if kinds[i] != CODE:
            continue
        c = text[i]
        if depth == 0 and c in ",\n)]}":
            return i
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
    return len(text)


def exec_settings(conn: Connection) -> Iterator[tuple[Where, Block]]:
    """Each exec configuration of a connection that is written out, with where it starts."""
    for block in conn.exec_blocks:
        yield Where(block.path, block.line, block.column), block


def exclusive_exec(conn: Connection) -> Block | None:
    """The `dynamic "exec"` block that never coexists with the token: `token = C ? null : T`
    beside `dynamic "exec" { for_each = C ? [1] : [] }` (or either one negated), so that exactly
    one of them is set whatever C is. None where there is no such pair."""
    token = conn.token_attribute
    if token is None or len(conn.dynamic_exec) != 1 or len(conn.exec_blocks) != 1:
        return None
    dynamic, path = conn.dynamic_exec[0], conn.provider.path
    for_each = dynamic.attributes.get("for_each")
    token_when = _when(as_hcl(token.expr, path), lambda branch: branch != "null")
    exec_when = (
        _when(as_hcl(for_each.expr, path), lambda b: not _EMPTY.fullmatch(b)) if for_each else None
    )
    if token_when is None or exec_when is None:
        return None
    (token_atom, token_set), (exec_atom, exec_set) = token_when, exec_when
    return dynamic if token_atom == exec_atom and token_set != exec_set else None


def _when(expr: str, present: _Predicate) -> tuple[str, bool] | None:
    """For `C ? A : B` where exactly one branch is `present`: (C without `!`, whether the
    present branch is taken when that is true)."""
    parts = split_conditional(expr)
    if parts is None:
        return None
    condition, yes, no = (unwrap(p) for p in parts)
    if present(yes) == present(no):
        return None
    positive = True
    while condition.startswith("!"):
        condition, positive = unwrap(condition[1:]), not positive
    return " ".join(condition.split()), positive == present(yes)


def with_token_at(project: Project, where: Where, flow: Flow | None = None) -> Connection | None:
    """The connection whose token is set at `where` (a finding's position): where the token
    attribute starts, or where its tainted reference is (`tainted_tokens`)."""
    found = next((c for c in connections(project) if c.token == where), None)
    if found is not None:
        return found
    flow = flow or Flow(project)
    for conn in connections(project):
        for kind in Kind:
            site = token_site(conn, flow, kind)
            if site is not None and site[0] == where:
                return conn
    return None


def tainted_tokens(project: Project, kind: Kind) -> Iterator[tuple[Connection, Where, Taint]]:
    """Connections whose token comes from a source of `kind` (ETA001, ETA006), with where the
    finding points (the token's tainted reference, on its own line)."""
    flow = Flow(project)
    for conn in connections(project):
        site = token_site(conn, flow, kind)
        if site is not None:
            yield conn, *site


def token_site(
    conn: Connection, flow: Flow, kind: Kind | None = None
) -> tuple[Where, Taint] | None:
    """Where a connection's token is tainted (by a source of `kind`, if given), and by what:
    None where it is not. A kubeconfig built in a local is followed into it."""
    attr = token_value(conn)
    if attr is None:
        return None
    taint = flow.of(conn.module, attr.refs, kind)
    if taint is None:
        return None
    path = conn.path
    if conn.form is not None and conn.form.kubeconfig and conn.via is not None:
        path, attr = conn.via_path, conn.via
    line, column = flow.site(conn.module, path, attr, kind)
    return Where(path, line, column, attr.line if line != attr.line else 0), taint


def token_value(conn: Connection) -> Attribute | None:
    """What carries a connection's token: its token attribute (or element), else the whole
    expression the connection is (`kubernetes = var.kube`); None where neither is."""
    name = conn.form.token if conn.form else "token"
    return conn.body.attributes.get(name) or conn.whole
