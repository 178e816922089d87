"""The aws-auth ConfigMap as EKS reads it: parse, match, edit, serialise, diff and validate.

EKS maps IAM callers with aws-iam-authenticator's ConfigMap mapper. These are its rules, with
where they live in kubernetes-sigs/aws-iam-authenticator:

- `mapRoles` and `mapUsers` go YAML -> JSON -> Go structs (pkg/mapper/configmap/configmap.go
  `ParseMap`, k8s.io/apimachinery `yaml.ToJSON`): field names match case-insensitively
  (`rolearn`, `RoleARN`); the YAML is read as YAML 1.1 (yaml.v2: `yes`, `on`, `12` are not
  strings); a JSON object key order is sorted, so when a field is given twice the key that sorts
  last wins; a value of the wrong type is skipped and the rest of the entry kept. Data keys
  themselves are case-sensitive (configmap yaml_test.go: `maproles` is ignored).
- Invalid YAML under a key drops every entry under that key; so does a text that starts with `{`
  (`ToJSON` passes it to JSON as an object) or a document that is not a list. An empty text, or
  one that is only quotes, is skipped (`isSkippable`).
- An entry needs `rolearn` (or an `sso` matcher, not both) under mapRoles and `userarn` under
  mapUsers (pkg/config/mapper.go `Validate`); one without is dropped alone.
- A caller's ARN is canonicalised: `arn:P:sts::A:assumed-role/R/S` -> `arn:P:iam::A:role/R`, with
  no path (pkg/arn `Canonicalize`); it is lower-cased and compared case-insensitively
  (`strings.EqualFold`). So a `rolearn` with a path, or an assumed-role ARN, never matches.
- Roles are kept in a map keyed by the lower-cased ARN and users by the ARN as written
  (`saveMap`, `Key`): for a duplicate ARN the last entry wins; users differing only in case are
  both kept and EKS picks either (Go map order).
- mapRoles is consulted before mapUsers (configmap/mapper.go `Map`); mapAccounts only when neither
  maps the caller, who then gets their ARN as username and no groups (pkg/server `doMapping`).

Edits never lose what they do not touch (the Go `aws-auth` tool rewrites data as only
mapRoles/mapUsers): keys that are not edited stay byte-for-byte, and an edited key is changed by
splicing the smallest span (a value, an item, an entry) into its text, so comments, key order,
quoting, indentation, unknown fields (`userid`, `sso`, ...) and every other entry stay as they
were. ruamel.yaml reads the text (positions, styles); every edit is parsed back and compared
with what was intended before it is returned.
"""

from __future__ import annotations

import collections
import difflib
import enum
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, cast

from eks_tf_auth.errors import InputError

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

Kind = Literal["mapRoles", "mapUsers"]
MAP_ROLES: Final = "mapRoles"
MAP_USERS: Final = "mapUsers"
MAP_ACCOUNTS: Final = "mapAccounts"
KINDS: Final[tuple[Kind, ...]] = (MAP_ROLES, MAP_USERS)
DATA_KEYS: Final = (MAP_ROLES, MAP_USERS, MAP_ACCOUNTS)
ARN_FIELDS: Final[Mapping[Kind, str]] = {MAP_ROLES: "rolearn", MAP_USERS: "userarn"}
# Fields the authenticator's RoleMapping/UserMapping know (pkg/config/types.go).
KNOWN_FIELDS: Final[Mapping[Kind, tuple[str, ...]]] = {
    MAP_ROLES: ("rolearn", "sso", "username", "groups", "userid"),
    MAP_USERS: ("userarn", "username", "groups", "userid"),
}
PARTITIONS: Final = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)  # pkg/endpoints/partitions.go
SSO_PATH: Final = "aws-reserved/sso.amazonaws.com/"
SYSTEM_MASTERS: Final = "system:masters"
# The usernames EKS's own node roles use (EC2 nodes, Fargate pods): the only `system:` names a
# mapping should give.
NODE_USERNAMES: Final = ("system:node:{{EC2PrivateDNSName}}", "system:node:{{SessionName}}")
RESERVED_PREFIXES: Final = ("aws:", "amazon:", "eks:", "iam:")
SYSTEM_PREFIX: Final = "system:"
PLACEHOLDERS: Final = (
    "{{AccountID}}",
    "{{SessionName}}",
    "{{SessionNameRaw}}",
    "{{AccessKeyID}}",
    "{{EC2PrivateDNSName}}",
)  # pkg/server/server.go renderTemplate

_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_PERMISSION_SET = re.compile(r"[\w+=,.@-]{1,32}", re.ASCII)
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")


class Severity(str, enum.Enum):
    """SARIF's levels, as lint uses them."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """Something EKS would silently get wrong, at a 1-based line of a data key's text."""

    code: str
    key: str
    line: int
    message: str
    severity: Severity


@dataclass(frozen=True)
class Entry:
    """One item of mapRoles or mapUsers as EKS reads it.

    `arn` is the rolearn/userarn ("" when there is none), `username` is None when the entry gives
    no string, `groups` holds what EKS gets ("" where an item is not a string). `extra` keeps every
    other field as written (`userid`, `sso`, misspellings), scalars as their text. `ignored` says
    why EKS drops the entry, or is None when EKS uses it. `line` is 1-based within the data key,
    `index` the item's position in the key's list.
    """

    kind: Kind
    arn: str
    username: str | None
    groups: tuple[str, ...]
    line: int
    index: int = 0
    extra: Mapping[str, object] = field(default_factory=dict, hash=False)
    ignored: str | None = None


@dataclass(frozen=True)
class Change:
    """What an edit did; `updated` pairs the entry before with the entry after."""

    added: tuple[Entry, ...] = ()
    updated: tuple[tuple[Entry, Entry], ...] = ()
    removed: tuple[Entry, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


# --- ARNs ----------------------------------------------------------------------------------------


class _Arn(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def kind(self) -> str:
        return self.resource.split("/", 1)[0]

    @property
    def parts(self) -> list[str]:
        return self.resource.split("/")


def _parse_arn(text: str) -> _Arn | None:
    """aws-sdk-go's arn.Parse and the authenticator's partition check."""
    sections = text.split(":", 5)
    if len(sections) != 6 or sections[0] != "arn" or sections[1] not in PARTITIONS:
        return None
    return _Arn(*sections[1:])


def canonical_arn(arn: str) -> str:
    """The ARN EKS compares for a caller (pkg/arn Canonicalize): an assumed role becomes its role.

    An IAM role ARN given directly loses its path, since that is how STS reports any session of
    the role. Raises InputError for anything that is not an IAM identity.
    """
    parsed = _parse_arn(arn)
    hint = (
        "give the caller's ARN, e.g. arn:aws:sts::111122223333:assumed-role/ROLE/SESSION, "
        "arn:aws:iam::111122223333:role/ROLE or arn:aws:iam::111122223333:user/NAME"
    )
    if parsed is None:
        raise InputError(f"not an AWS ARN: {arn!r}", hint=hint)
    parts = parsed.parts
    if parsed.service == "sts" and parsed.kind == "assumed-role" and len(parts) >= 3:
        return _role_arn(parsed, "/".join(parts[1:-1]))
    if parsed.service == "sts" and parsed.kind == "federated-user":
        return arn
    if parsed.service == "iam" and parsed.kind == "role" and len(parts) >= 2:
        return _role_arn(parsed, parts[-1])
    if parsed.service == "iam" and parsed.kind in ("user", "root"):
        return arn
    raise InputError(f"not an IAM identity ARN: {arn!r}", hint=hint)


def _role_arn(parsed: _Arn, name: str) -> str:
    return f"arn:{parsed.partition}:iam::{parsed.account}:role/{name}"


def _arn_problem(kind: Kind, arn: str) -> tuple[str, str, Severity] | None:
    """Why a written rolearn/userarn never matches or is misplaced: (code, message, severity)."""
    parsed = _parse_arn(arn)
    never = "no caller can match it"
    if parsed is None:
        return (
            "invalid-arn",
            f"{arn!r} is not an ARN EKS recognises (arn:PARTITION:SERVICE::ACCOUNT:RESOURCE, "
            f"partition one of {', '.join(PARTITIONS)}): {never}",
            Severity.ERROR,
        )
    parts = parsed.parts
    if parsed.service == "sts" and parsed.kind == "assumed-role" and len(parts) >= 3:
        fixed = _role_arn(parsed, parts[-2])
        return (
            "assumed-role-arn",
            f"{arn} is an assumed-role (session) ARN: EKS compares callers as their role, "
            f"so {never}; use {fixed}",
            Severity.ERROR,
        )
    known = (parsed.service, parsed.kind) in (
        ("iam", "role"),
        ("iam", "user"),
        ("iam", "root"),
        ("sts", "federated-user"),
    )
    if not known or parsed.region or not _ACCOUNT.fullmatch(parsed.account):
        return ("invalid-arn", f"{arn} is not an IAM role or user ARN: {never}", Severity.ERROR)
    if parsed.kind != "root" and (len(parts) < 2 or not all(map(_NAME.fullmatch, parts[1:]))):
        return (
            "invalid-arn",
            f"{arn} has a name IAM cannot give (letters, digits and + = , . @ - _): {never}",
            Severity.ERROR,
        )
    if parsed.kind == "role" and len(parts) > 2:
        fixed = _role_arn(parsed, parts[-1])
        path = "/".join(parts[1:-1]) + "/"
        if path.startswith(SSO_PATH):
            return (
                "sso-path",
                f"{arn} is an IAM Identity Center role written with its {SSO_PATH}... path: "
                f"callers arrive without it, so {never}; use {fixed}",
                Severity.ERROR,
            )
        return (
            "role-arn-path",
            f"{arn} has the path /{path}: callers arrive without it (EKS drops paths), "
            f"so {never}; use {fixed}",
            Severity.ERROR,
        )
    is_role = parsed.kind == "role"
    if kind == MAP_ROLES and not is_role:
        return (
            "arn-kind-mismatch",
            f"{arn} is not a role: EKS still matches it (it compares strings) but it belongs "
            "under mapUsers as userarn",
            Severity.WARNING,
        )
    if kind == MAP_USERS and is_role:
        return (
            "arn-kind-mismatch",
            f"{arn} is a role: EKS still matches it, after mapRoles, but it belongs under "
            "mapRoles as rolearn",
            Severity.WARNING,
        )
    return None


# --- reading YAML as the authenticator does ------------------------------------------------------

_BOOL_11 = frozenset(
    (
        *("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"),
        *("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"),
    )
)
_NULL_11 = frozenset(("", "~", "null", "Null", "NULL"))
_NUMBER_11 = re.compile(
    r"[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o?[0-7]+|[0-9]+"
    r"|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))|\.(?:nan|NaN|NAN)"
)
_TAG = "tag:yaml.org,2002:"
JsonType = Literal["string", "null", "boolean", "number", "array", "object"]


class _Unreadable(Exception):
    """The text is YAML the authenticator cannot turn into JSON, or no YAML at all."""

    def __init__(self, line: int, column: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.column, self.problem = line, column, problem


def _compose(text: str) -> Node | None:
    """The first YAML document's node tree (yaml.v2 reads only the first)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return cast("Node | None", next(iter(YAML(typ="rt", pure=True).compose_all(text)), None))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise _Unreadable(int(mark.line) + 1, int(mark.column) + 1, str(e.problem)) from e
    except YAMLError as e:  # the reader: a character YAML does not allow
        position = int(getattr(e, "position", 0))
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise _Unreadable(line, column, "a character YAML does not allow") from e


def _compose_all(text: str) -> list[Node]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return [d for d in YAML(typ="rt", pure=True).compose_all(text) if d is not None]
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise _Unreadable(int(mark.line) + 1, int(mark.column) + 1, str(e.problem)) from e
    except YAMLError as e:
        position = int(getattr(e, "position", 0))
        line = text.count("\n", 0, position) + 1
        raise _Unreadable(line, 1, "a character YAML does not allow") from e


def _is_scalar(node: Node) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode)


def _is_map(node: Node) -> bool:
    from ruamel.yaml.nodes import MappingNode

    return isinstance(node, MappingNode)


def _is_seq(node: Node) -> bool:
    from ruamel.yaml.nodes import SequenceNode

    return isinstance(node, SequenceNode)


def _flow(node: Node | None) -> bool:
    return bool(getattr(node, "flow_style", False))


def _text(node: Node) -> str:
    return str(node.value)


def _style(node: Node) -> str:
    """A scalar's style: "" plain, "'", '"', "|" or ">"."""
    return str(getattr(node, "style", None) or "")


def _start(node: Node) -> int:
    return int(node.start_mark.index)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _column(node: Node) -> int:
    return int(node.start_mark.column)


def _children(node: Node) -> list[Node]:
    return list(node.value)


def _node_pairs(node: Node) -> list[tuple[Node, Node]]:
    return [(k, v) for k, v in node.value]


def _json_type(node: Node, text: str) -> JsonType:
    """What yaml.v2 -> JSON makes of a node (YAML 1.1 for plain scalars)."""
    if _is_seq(node):
        return "array"
    if _is_map(node):
        return "object"
    tag = node.tag or ""
    if text[_start(node) : _start(node) + 1] == "!":  # an explicit tag decides
        explicit = {"null": "null", "bool": "boolean", "int": "number", "float": "number"}
        return cast("JsonType", explicit.get(tag.removeprefix(_TAG), "string"))
    if _style(node):
        return "string"
    return _resolve_11(_text(node))


def _resolve_11(plain: str) -> JsonType:
    if plain in _NULL_11:
        return "null"
    if plain in _BOOL_11:
        return "boolean"
    if _NUMBER_11.fullmatch(plain.replace("_", "")):
        return "number"
    return "string"


def _as_written(node: Node, text: str) -> object:
    """A node as plain data for `Entry.extra`: scalars as their text, null as None."""
    if _is_seq(node):
        return [_as_written(child, text) for child in _children(node)]
    if _is_map(node):
        return {_text(k): _as_written(v, text) for k, v in _node_pairs(node)}
    return None if _json_type(node, text) == "null" else _text(node)


def _fold(name: str) -> str:
    """Go encoding/json's case-insensitive field match (simple folding, with Kelvin and long s)."""
    return name.replace("\u212a", "k").replace("\u017f", "s").lower()


class _Pair(NamedTuple):
    name: str
    key: Node
    value: Node
    own: bool  # written in this mapping, not merged in with `<<`


def _pairs(node: Node, text: str) -> list[_Pair]:
    """A mapping's pairs as the Go map holds them: the last of equal keys wins; `<<` merges."""
    own: dict[str, _Pair] = {}
    merged: dict[str, _Pair] = {}
    for key, value in _node_pairs(node):
        if not _is_scalar(key):
            raise _Unreadable(_line(key), _column(key) + 1, "a mapping key that is not a scalar")
        if key.tag == _TAG + "merge" and not _style(key):
            sources = _children(value) if _is_seq(value) else [value]
            for source in reversed([s for s in sources if _is_map(s)]):
                merged.update({p.name: p._replace(own=False) for p in _pairs(source, text)})
            continue
        own.pop(_text(key), None)
        own[_text(key)] = _Pair(_text(key), key, value, True)
    return list({**merged, **own}.values())


# --- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    entry: Entry
    node: Node = field(compare=False)
    # folded field name -> the pair EKS reads it from (the last in JSON key order)
    fields: Mapping[str, _Pair] = field(compare=False)


@dataclass(frozen=True)
class _Map:
    key: str
    text: str
    root: Node | None = field(compare=False)
    items: tuple[_Item, ...] = ()
    dropped: Finding | None = None  # why EKS reads nothing from this key
    problems: tuple[Finding, ...] = ()


def _skippable(text: str) -> bool:
    return text.strip() in ("", "``", '""', "''")


def _parse_map(kind: Kind, text: str) -> _Map:
    if _skippable(text):
        return _Map(kind, text, None)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        line = text.count("\n", 0, len(text) - len(stripped)) + 1
        message = (
            f"{kind} starts with '{{': EKS reads it as one JSON object, not a list, and "
            "ignores every entry under it"
        )
        return _Map(kind, text, None, dropped=Finding("json-object", kind, line, message, _E))
    try:
        root = _compose(text)
        if root is None or (_is_scalar(root) and _json_type(root, text) == "null"):
            return _Map(kind, text, root)
        if not _is_seq(root):
            shape = "a mapping" if _is_map(root) else "a scalar"
            message = f"{kind} is {shape}, not a list: EKS ignores every entry under it"
            finding = Finding("not-a-list", kind, _line(root), message, _E)
            return _Map(kind, text, root, dropped=finding)
        problems: list[Finding] = []
        items = tuple(
            _parse_item(kind, index, node, text, problems)
            for index, node in enumerate(_children(root))
        )
    except _Unreadable as e:
        message = (
            f"{kind} is not valid YAML (line {e.line}, column {e.column}: {e.problem}): "
            f"EKS ignores every entry under {kind}"
        )
        return _Map(kind, text, None, dropped=Finding("invalid-yaml", kind, e.line, message, _E))
    return _Map(kind, text, root, items, None, tuple(problems))


_E, _W, _N = Severity.ERROR, Severity.WARNING, Severity.NOTE


def _parse_item(kind: Kind, index: int, node: Node, text: str, problems: list[Finding]) -> _Item:
    line = _line(node)
    if not _is_map(node):
        entry = Entry(kind, "", None, (), line, index, ignored="it is not a mapping")
        return _Item(entry, node, {})
    known = KNOWN_FIELDS[kind]
    values: dict[str, object] = {}
    fields: dict[str, _Pair] = {}
    extra: dict[str, object] = {}
    by_field: dict[str, list[_Pair]] = {}
    written = [k for k, _ in _node_pairs(node) if _is_scalar(k) and _text(k) != "<<"]
    for name, count in collections.Counter(_text(k) for k in written).items():
        if count > 1:
            last = [k for k in written if _text(k) == name][-1]
            message = f"{name!r} is given {count} times: EKS reads the last (line {_line(last)})"
            problems.append(Finding("duplicate-field", kind, _line(last), message, _W))
    for pair in sorted(_pairs(node, text), key=lambda p: p.name):  # JSON keys are sorted
        folded = _fold(pair.name)
        if folded in known:
            by_field.setdefault(folded, []).append(pair)
        else:
            problems.extend(_unknown_field(kind, pair))
        if folded not in (ARN_FIELDS[kind], "username", "groups"):
            extra[pair.name] = _as_written(pair.value, text)
    for name, pairs in by_field.items():
        for pair in pairs:
            problems += _apply_field(kind, name, pair, text, values)
        fields[name] = pairs[-1]
        if len(pairs) > 1:
            spellings = ", ".join(f"{p.name!r} (line {_line(p.key)})" for p in pairs)
            problems.append(
                Finding(
                    "duplicate-field",
                    kind,
                    _line(pairs[-1].key),
                    f"{name} is given {len(pairs)} times, as {spellings}: EKS reads "
                    f"{pairs[-1].name!r} (JSON keys are sorted, the last wins)",
                    _W,
                )
            )
    arn = cast(str, values.get(ARN_FIELDS[kind], ""))
    username = cast("str | None", values.get("username"))
    groups = cast("tuple[str, ...]", values.get("groups", ()))
    entry = Entry(
        kind,
        arn,
        username,
        groups,
        line,
        index,
        MappingProxyType(extra),
        _ignored(kind, arn, values.get("sso")),
    )
    return _Item(entry, node, fields)


def _unknown_field(kind: Kind, pair: _Pair) -> Iterator[Finding]:
    known = KNOWN_FIELDS[kind]
    other = ARN_FIELDS[MAP_USERS if kind == MAP_ROLES else MAP_ROLES]
    if _fold(pair.name) == other:
        return  # reported with the entry it leaves without an ARN
    close = difflib.get_close_matches(_fold(pair.name), known, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    yield Finding(
        "unknown-field",
        kind,
        _line(pair.key),
        f"unknown field {pair.name!r}{hint}: EKS ignores it",
        _W,
    )


def _apply_field(
    kind: Kind, name: str, pair: _Pair, text: str, values: dict[str, object]
) -> list[Finding]:
    """Go json.Unmarshal into the field: a wrong type is skipped, null leaves it as it was."""
    got = _json_type(pair.value, text)
    if name == "groups":
        if got == "array":
            items = _children(pair.value)
            values[name] = tuple(_text(i) if _json_type(i, text) == "string" else "" for i in items)
            return list(_group_problems(kind, items, text))
        if got == "null":
            values.pop(name, None)
            return []
        expected = "a list"
    elif name == "sso":
        if got in ("object", "null"):
            values[name] = pair.value if got == "object" else None
            return []
        expected = "a mapping"
    else:
        if got == "string":
            values[name] = _text(pair.value)
            return []
        if got == "null":
            return []
        expected = "a string"
    shown = f"{_text(pair.value)!r} " if _is_scalar(pair.value) else ""
    quote = "; quote it" if expected == "a string" and _is_scalar(pair.value) else ""
    message = (
        f"{pair.name}: {shown}is {_article(got)}, not {expected} (YAML 1.1): EKS ignores this "
        f"field{quote}"
    )
    return [Finding("wrong-type", kind, _line(pair.value), message, _E)]


def _group_problems(kind: Kind, items: Sequence[Node], text: str) -> Iterator[Finding]:
    for item in items:
        got = _json_type(item, text)
        if got == "string" and _text(item).strip():
            continue
        if got in ("string", "null"):
            message = "an empty group name: EKS passes it on as it is"
            yield Finding("empty-group", kind, _line(item), message, _W)
        else:
            shown = f"{_text(item)!r} is {_article(got)}" if _is_scalar(item) else "a collection"
            message = f"groups: {shown}, not a string (YAML 1.1): EKS gets an empty group; quote it"
            yield Finding("wrong-type", kind, _line(item), message, _E)


def _article(json_type: str) -> str:
    return {"array": "a list", "object": "a mapping"}.get(json_type, f"a {json_type}")


def _ignored(kind: Kind, arn: str, sso: object) -> str | None:
    """The authenticator's Validate: why EKS drops an entry."""
    field_name = ARN_FIELDS[kind]
    if kind == MAP_USERS:
        return None if arn else f"it has no {field_name}"
    if arn and sso is not None:
        return "it has both rolearn and sso"
    if not arn and sso is None:
        return f"it has no {field_name} (nor sso)"
    return None if arn else _sso_problem(cast("Node", sso))


def _sso_problem(node: Node) -> str | None:
    values = {_fold(_text(k)): _text(v) for k, v in _node_pairs(node) if _is_scalar(v)}
    account = values.get("accountid", "")
    permission_set = values.get("permissionsetname", "")
    partition = values.get("partition", "")
    if not _ACCOUNT.fullmatch(account):
        return f"its sso accountID {account!r} is not a 12-digit account id"
    if not _PERMISSION_SET.fullmatch(permission_set):
        return f"its sso permissionSetName {permission_set!r} is not a permission set name"
    if partition and partition not in PARTITIONS:
        return f"its sso partition {partition!r} is not an AWS partition"
    return None


def _parse_accounts(text: str) -> tuple[tuple[str, ...], Finding | None]:
    """mapAccounts is yaml.v2-unmarshalled straight into []string: scalars keep their text."""
    if _skippable(text):
        return (), None
    try:
        root = _compose(text)
    except _Unreadable as e:
        message = (
            f"{MAP_ACCOUNTS} is not valid YAML (line {e.line}, column {e.column}: {e.problem}): "
            "EKS ignores every account under it"
        )
        return (), Finding("invalid-yaml", MAP_ACCOUNTS, e.line, message, _E)
    if root is None or (_is_scalar(root) and _json_type(root, text) == "null"):
        return (), None
    if not _is_seq(root):
        message = f"{MAP_ACCOUNTS} is not a list: EKS ignores every account under it"
        return (), Finding("not-a-list", MAP_ACCOUNTS, _line(root), message, _E)
    accounts = tuple(
        _text(item)
        for item in _children(root)
        if _is_scalar(item) and _json_type(item, text) != "null"
    )
    return accounts, None


class AwsAuth:
    """The aws-auth ConfigMap's data, read as EKS reads it; edits return a new AwsAuth."""

    __slots__ = ("_accounts", "_accounts_dropped", "_data", "_maps", "_roles", "_users")

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data = dict(data)
        self._maps = {kind: _parse_map(kind, self._data.get(kind, "")) for kind in KINDS}
        self._accounts, self._accounts_dropped = _parse_accounts(self._data.get(MAP_ACCOUNTS, ""))
        # saveMap: roles keyed by the lower-cased ARN, users by the ARN as written; last wins.
        self._roles = {e.arn.lower(): e for e in self._usable(MAP_ROLES) if e.arn}
        self._users = {e.arn: e for e in self._usable(MAP_USERS)}

    @classmethod
    def parse(cls, data: Mapping[str, str]) -> AwsAuth:
        """Read a ConfigMap's `.data`; never raises for what EKS would merely ignore."""
        bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise InputError(
                f"aws-auth data {bad[0]!r} is not a string",
                hint="ConfigMap data maps strings to strings",
            )
        return cls(data)

    def _usable(self, kind: Kind) -> Iterator[Entry]:
        return (e for e in self.entries(kind) if e.ignored is None)

    def entries(self, kind: Kind) -> tuple[Entry, ...]:
        """Every item written under the key, in order, including those EKS ignores (`ignored`)."""
        return tuple(item.entry for item in self._maps[_kind(kind)].items)

    @property
    def accounts(self) -> tuple[str, ...]:
        return self._accounts

    @property
    def invalid_keys(self) -> tuple[str, ...]:
        """Data keys EKS cannot read at all (invalid YAML, a JSON object, not a list), in order."""
        dropped = {m.key for m in self._maps.values() if m.dropped}
        if self._accounts_dropped:
            dropped.add(MAP_ACCOUNTS)
        return tuple(k for k in self._data if k in dropped)

    def match(self, arn: str) -> Entry | None:
        """The entry EKS maps a caller to: mapRoles first, then mapUsers; None when neither does.

        When None, EKS still lets the caller in if `match_account` is true.
        """
        subject = canonical_arn(arn).lower()
        role = self._roles.get(subject)
        if role is not None:
            return role
        users = [e for e in self._users.values() if e.arn.lower() == subject]
        # Users that differ only in case are all kept; EKS picks one (Go map order).
        return max(users, key=lambda e: e.index, default=None)

    def match_account(self, arn: str) -> bool:
        """Whether mapAccounts lets the caller in (EKS asks only when `match` is None)."""
        return canonical_arn(arn).split(":")[4] in self._accounts

    def to_data(self) -> dict[str, str]:
        """The data to write: keys not edited are exactly as they came."""
        return dict(self._data)

    # --- edits -----------------------------------------------------------------------------------

    def upsert(
        self,
        kind: Kind,
        arn: str,
        *,
        username: str,
        groups: Sequence[str],
        append: bool = False,
        update_username: bool = True,
    ) -> tuple[AwsAuth, Change]:
        """Map `arn` to `username` and `groups`: update the entry EKS uses for it, or add one.

        `append` adds only the groups the entry lacks; `update_username=False` keeps the entry's
        username. Groups are compared as a set, so reordering alone is no change.
        """
        kind = _kind(kind)
        arn = _check_arn(kind, arn)
        username = _check_name(username, "username")
        wanted = _check_groups(groups)
        current = self._maps[kind]
        _check_editable(current)
        target = _effective(current, arn)
        if target is None:
            new_text = _add_entry(current, self._template(kind), arn, username, wanted)
            expected = [*_summaries(current), _Summary(arn, username, wanted, {}, None)]
            after = self._with(kind, new_text, expected)
            return after, Change(added=(after.entries(kind)[-1],))
        entry = target.entry
        if append:
            new_groups = entry.groups + tuple(g for g in wanted if g not in entry.groups)
            groups_change = new_groups != entry.groups
        else:
            new_groups = wanted
            groups_change = set(wanted) != set(entry.groups)
        username_change = update_username and entry.username != username
        if not groups_change and not username_change:
            return self, Change()
        editor = _Editor(current.text)
        if username_change:
            _set_username(editor, target, username)
        if groups_change and append:
            _append_groups(editor, target, new_groups[len(entry.groups) :])
        elif groups_change:
            _set_groups(editor, target, new_groups)
        expected = _summaries(current)
        expected[entry.index] = expected[entry.index]._replace(
            username=username if username_change else entry.username,
            groups=new_groups if groups_change else entry.groups,
        )
        after = self._with(kind, editor.apply(), expected)
        return after, Change(updated=((entry, after.entries(kind)[entry.index]),))

    def remove(
        self,
        kind: Kind,
        arn: str,
        *,
        username: str | None = None,
        groups: Sequence[str] | None = None,
    ) -> tuple[AwsAuth, Change]:
        """Remove every entry for `arn` (compared as EKS does, ignoring case); narrowed by
        `username` and/or `groups` (as a set), only entries matching all of them."""
        kind = _kind(kind)
        if not arn:
            raise InputError("remove needs an ARN", hint=f"give the {ARN_FIELDS[kind]} to remove")
        group_set = None if groups is None else set(groups)
        return self._remove(
            {kind},
            lambda e: (
                e.arn.lower() == arn.lower()
                and (username is None or e.username == username)
                and (group_set is None or set(e.groups) == group_set)
            ),
        )

    def remove_by_username(self, username: str) -> tuple[AwsAuth, Change]:
        """Remove every mapRoles and mapUsers entry with this username."""
        if not username:
            raise InputError(
                "remove-by-username needs a username",
                hint="an empty username would remove every entry that has none",
            )
        return self._remove(set(KINDS), lambda e: e.username == username)

    def _remove(self, kinds: set[Kind], chosen: Callable[[Entry], bool]) -> tuple[AwsAuth, Change]:
        after: AwsAuth = self
        removed: list[Entry] = []
        for kind in (k for k in KINDS if k in kinds):
            current = self._maps[kind]
            doomed = [item for item in current.items if chosen(item.entry)]
            if not doomed:
                continue
            _check_editable(current)
            text = current.text
            for item in reversed(doomed):  # from the end, so earlier positions stay valid
                step = _parse_map(kind, text)
                if step.dropped or len(step.items) <= item.entry.index:
                    raise _cannot_edit(kind)
                text = _remove_item(step, item.entry.index)
            keep = [
                s
                for s, i in zip(_summaries(current), current.items, strict=True)
                if i not in doomed
            ]
            after = after._with(kind, text, keep)
            removed.extend(item.entry for item in doomed)
        return after, Change(removed=tuple(removed))

    def _with(self, kind: Kind, text: str, expected: list[_Summary]) -> AwsAuth:
        """A copy with the key's new text, refused unless EKS reads exactly what was intended."""
        after = AwsAuth({**self._data, kind: text})
        got = after._maps[kind]
        if got.dropped or _summaries(got) != expected:
            raise _cannot_edit(kind)
        return after

    def _template(self, kind: Kind) -> _Shape:
        """How to write a new entry: like the last entry of this key, else of the other key."""
        other: Kind = MAP_USERS if kind == MAP_ROLES else MAP_ROLES
        for source in (kind, other):
            current = self._maps[source]
            for item in reversed(current.items):
                pair = item.fields.get(ARN_FIELDS[source])
                if pair and pair.own and not item.entry.ignored:
                    shape = _shape_of(current.text, item, source, kind)
                    return _replace(shape, root_flow=_flow(current.root))
        return _Shape()


def _cannot_edit(kind: str) -> InputError:
    return InputError(
        f"{kind} cannot be edited without changing what EKS reads from other entries",
        hint="it uses YAML that eks-tf-auth does not rewrite (anchors and aliases, merge keys); "
        "edit this entry by hand",
    )


def _kind(kind: str) -> Kind:
    for known in KINDS:
        if kind == known:
            return known
    raise InputError(f"not an aws-auth list: {kind!r}", hint="use mapRoles or mapUsers")


class _Summary(NamedTuple):
    arn: str
    username: str | None
    groups: tuple[str, ...]
    extra: dict[str, object]
    ignored: str | None


def _summaries(current: _Map) -> list[_Summary]:
    return [
        _Summary(e.arn, e.username, e.groups, dict(e.extra), e.ignored)
        for e in (item.entry for item in current.items)
    ]


def _effective(current: _Map, arn: str) -> _Item | None:
    """The entry EKS uses for this ARN: the last usable one, compared ignoring case."""
    found = [i for i in current.items if not i.entry.ignored and i.entry.arn.lower() == arn.lower()]
    return found[-1] if found else None


def _check_editable(current: _Map) -> None:
    if current.dropped:
        raise InputError(
            f"refusing to edit {current.key}: {current.dropped.message}",
            hint=f"fix {current.key} first (eks-tf-auth aws-auth validate shows where)",
        )


def _check_arn(kind: Kind, arn: str) -> str:
    problem = _arn_problem(kind, arn)
    if problem and problem[0] != "arn-kind-mismatch":
        raise InputError(f"{ARN_FIELDS[kind]} {problem[1]}", hint="EKS would never use it")
    if problem:
        other = MAP_USERS if kind == MAP_ROLES else MAP_ROLES
        raise InputError(f"{ARN_FIELDS[kind]} {problem[1]}", hint=f"add it to {other}")
    return arn


def _check_name(value: str, what: str) -> str:
    if not value or value != value.strip() or not value.isprintable():
        raise InputError(
            f"invalid {what} {value!r}",
            hint=f"a {what} is a non-empty line with no surrounding spaces",
        )
    if what == "username" and value.startswith(RESERVED_PREFIXES):
        raise InputError(
            f"the username {value!r} starts with a prefix EKS reserves",
            hint=f"usernames may not start with {', '.join(RESERVED_PREFIXES)}",
        )
    return value


def _check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    if isinstance(groups, str):
        raise InputError("groups must be a list of names", hint="pass ['system:masters']")
    return tuple(dict.fromkeys(_check_name(g, "group") for g in groups))


# --- text edits ----------------------------------------------------------------------------------


class _Editor:
    """Replacements of spans of one text, applied together; untouched text stays as it was."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self._edits: list[tuple[int, int, int, str]] = []

    def replace(self, start: int, end: int, new: str) -> None:
        self._edits.append((start, end, len(self._edits), new.replace("\n", self.newline)))

    def insert(self, at: int, new: str) -> None:
        self.replace(at, at, new)

    def apply(self) -> str:
        out, position = [], 0
        for start, end, _, new in sorted(self._edits):
            out += [self.text[position:start], new]
            position = max(position, end)
        return "".join([*out, self.text[position:]])


def _eol(text: str, index: int) -> int:
    """The end of the line holding `index` (before its line break)."""
    end = text.find("\n", index)
    if end == -1:
        return len(text)
    return end - 1 if end and text[end - 1] == "\r" else end


def _bol(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _is_empty(node: Node) -> bool:
    """An empty plain null (`groups:` with nothing after it): ruamel puts it at the next token."""
    return _is_scalar(node) and not _style(node) and _text(node) == ""


def _end(text: str, node: Node) -> int:
    """Where a node's own text ends: after its last character, before any trailing line break."""
    if _is_scalar(node):
        end = int(node.end_mark.index)
        if _style(node) in ("|", ">"):
            while end > _start(node) + 1 and text[end - 1] in " \r\n":
                end -= 1
        return end
    if _flow(node) or not node.value:
        return int(node.end_mark.index)
    if _is_map(node):
        key, value = _node_pairs(node)[-1]
        return _value_end(text, key, value)
    return _end(text, _children(node)[-1])  # an empty item ends just after its dash


def _value_end(text: str, key: Node, value: Node) -> int:
    if _is_empty(value):
        return text.index(":", _end(text, key)) + 1
    return _end(text, value)


def _dash_after(text: str, start: int) -> int:
    """Just after the `-` that introduces the block sequence item found at `start`."""
    index = start
    while index > 0 and text[index - 1] in " \t\r\n":
        index -= 1
    return index


def _dash(text: str, node: Node) -> int:
    """The `-` of a block sequence item (its node starts at the content, not the dash)."""
    index = _dash_after(text, _start(node)) - 1
    if index < 0 or text[index] != "-":
        raise InputError(
            "cannot find the '-' of the entry at line "
            f"{_line(node)}: a comment or tag sits between it and the entry",
            hint="edit this entry by hand",
        )
    return index


@dataclass(frozen=True)
class _Shape:
    """How an entry is written, taken from an existing one so that new entries look the same."""

    flow: bool = False  # {rolearn: ..., ...}
    root_flow: bool = False  # [{...}, {...}]
    dash_column: int = 0
    key_column: int = 2
    order: tuple[str, ...] = ()  # folded names in the order written
    names: Mapping[str, str] = field(default_factory=dict)  # folded -> as written
    key_quote: str = ""
    value_quote: str = ""
    groups_flow: bool = False
    groups_offset: int = 2  # the groups' dash column relative to the key's
    separator: str = ", "  # between items of a flow collection
    colon: str = ": "  # between a key and its value in a flow mapping


def _shape_of(text: str, item: _Item, source: Kind, kind: Kind) -> _Shape:
    node = item.node
    pairs = _node_pairs(node)
    order = [_fold(_text(k)) for k, _ in _node_pairs(node) if _fold(_text(k)) in item.fields]
    names = {name: pair.name for name, pair in item.fields.items()}
    if source != kind:  # a mapUsers entry shaped like the mapRoles ones, or the other way
        order = [ARN_FIELDS[kind] if n == ARN_FIELDS[source] else n for n in order]
        names[ARN_FIELDS[kind]] = ARN_FIELDS[kind]
    arn = item.fields[ARN_FIELDS[source]]
    shape = _Shape(
        flow=_flow(node),
        key_column=_column(node),
        order=tuple(dict.fromkeys(order)),
        names=names,
        key_quote=_quote_of(arn.key),
        value_quote=_quote_of(arn.value),
    )
    if not _flow(node):
        dash = _dash_after(text, _start(node)) - 1
        column = _column_of(text, dash) if text[dash : dash + 1] == "-" else _column(node) - 2
        shape = _replace(shape, dash_column=column)
    else:
        gaps = [text[_end(text, a[1]) : _start(b[0])] for a, b in itertools.pairwise(pairs)]
        colon = text[_end(text, arn.key) : _start(arn.value)]
        colon = ": " if "\n" in colon or not shape.key_quote else colon
        shape = _replace(
            shape, separator=_separator(gaps, "," if colon == ":" else ", "), colon=colon
        )
    groups = item.fields.get("groups")
    if groups and groups.own and _is_seq(groups.value) and groups.value.value:
        items = _children(groups.value)
        if _flow(groups.value):
            gaps = [text[_end(text, a) : _start(b)] for a, b in itertools.pairwise(items)]
            shape = _replace(shape, groups_flow=True, separator=_separator(gaps, shape.separator))
        else:
            offset = _column(groups.value) - _column(groups.key)
            shape = _replace(shape, groups_offset=max(offset, 0))
    return shape


def _replace(shape: _Shape, **changes: object) -> _Shape:
    import dataclasses

    return dataclasses.replace(shape, **changes)  # type: ignore[arg-type]


def _column_of(text: str, index: int) -> int:
    return index - _bol(text, index)


def _quote_of(node: Node) -> str:
    style = _style(node) if _is_scalar(node) else ""
    return style if style in ("'", '"') else ""


def _separator(gaps: Sequence[str], default: str) -> str:
    if not gaps or "\n" in gaps[0]:
        return default
    return "," + (" " if gaps[0].endswith(" ") else "")


# Scalars: the least quoting the entry's style allows, checked by parsing it back.


def _scalar(value: str, quote: str, *, flow: bool) -> str:
    if quote == "" and _plain_ok(value, flow=flow):
        return value
    if quote in ("", "'") and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return _double(value)


_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n\r]*")


def _plain_ok(value: str, *, flow: bool) -> bool:
    if (
        not _PLAIN.fullmatch(value)
        or value != value.strip()
        or ": " in value
        or " #" in value
        or value.endswith(":")
        or not value.isprintable()
        or (flow and any(c in value for c in ",[]{}"))
        or _resolve_11(value) != "string"
    ):
        return False
    node = _compose(f"[{value}]" if flow else f"- {value}")  # the checks above make it YAML
    item = _children(node)[0] if node is not None and _is_seq(node) else None
    # ruamel resolves YAML 1.2 (timestamps too); keep plain only what both read as this string
    return item is not None and _text(item) == value and item.tag == _TAG + "str"


def _double(value: str) -> str:
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif 0x20 <= code <= 0x7E or (
            code >= 0xA0 and char.isprintable() and char not in "\u2028\u2029\ufeff"
        ):
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _key(name: str, shape: _Shape) -> str:
    return f"{shape.key_quote}{name}{shape.key_quote}"


def _flow_list(values: Sequence[str], shape: _Shape) -> str:
    quoted = (_scalar(v, shape.value_quote, flow=True) for v in values)
    return "[" + shape.separator.join(quoted) + "]"


def _block_list(values: Sequence[str], shape: _Shape, column: int) -> str:
    return "".join(f"\n{' ' * column}- {_scalar(v, shape.value_quote, flow=False)}" for v in values)


def _entry_text(shape: _Shape, kind: Kind, arn: str, username: str, groups: Sequence[str]) -> str:
    """A new entry, written like `shape`; block entries start at their dash, without indent."""
    order = [n for n in shape.order if n in (ARN_FIELDS[kind], "username", "groups")]
    order += [n for n in (ARN_FIELDS[kind], "username", "groups") if n not in order]
    values = {ARN_FIELDS[kind]: arn, "username": username}
    if shape.flow:
        parts = []
        for name in order:
            key = _key(shape.names.get(name, name), shape)
            if name == "groups":
                value = _flow_list(groups, shape)
            else:
                value = _scalar(values[name], shape.value_quote, flow=True)
            parts.append(f"{key}{shape.colon}{value}")
        return "{" + shape.separator.join(parts) + "}"
    lines = []
    for name in order:
        key = _key(shape.names.get(name, name), shape)
        if name != "groups":
            lines.append(f"{key}: {_scalar(values[name], shape.value_quote, flow=False)}")
        elif not groups or shape.groups_flow:
            lines.append(f"{key}: {_flow_list(groups, shape)}")
        else:
            column = shape.key_column + shape.groups_offset
            lines.append(f"{key}:{_block_list(groups, shape, column)}")
    gap = " " * max(shape.key_column - shape.dash_column - 1, 1)
    indent = "\n" + " " * shape.key_column
    return "-" + gap + indent.join(lines)


def _add_entry(current: _Map, shape: _Shape, arn: str, username: str, groups: Sequence[str]) -> str:
    """The key's text with a new entry after the last one, written like `shape`."""
    kind = _kind(current.key)
    editor = _Editor(current.text)
    text, root = current.text, current.root
    flow = _replace(shape, flow=True, colon=shape.colon if shape.flow else ": ")
    inline = _entry_text(flow, kind, arn, username, groups)
    relative = _replace(shape, dash_column=0, key_column=shape.key_column - shape.dash_column)
    block = _entry_text(relative, kind, arn, username, groups)
    block = "- " + block if shape.flow else block
    items = _children(root) if root is not None and _is_seq(root) else []
    if root is not None and _flow(root) and items:
        gaps = [text[_end(text, a) : _start(b)] for a, b in itertools.pairwise(items)]
        separator = _separator(gaps, "," if flow.colon == ":" else ", ")
        editor.insert(_end(text, items[-1]), separator + inline)
    elif root is not None and items:  # a block list: after the last entry's line
        column = _column_of(text, _dash(text, items[0]))
        at = _eol(text, _end(text, items[-1]))
        editor.insert(at, "\n" + " " * column + block.replace("\n", "\n" + " " * column))
    elif root is not None:  # an empty flow list `[]`, or null
        start = _start(root)
        column = start - _bol(text, start)
        if shape.root_flow or text[_bol(text, start) : start].strip():
            editor.replace(start, _end(text, root), f"[{inline}]")
        else:
            editor.replace(start, _end(text, root), block.replace("\n", "\n" + " " * column))
    else:  # nothing but comments, or a text EKS skips ("", '', ``)
        new = f"[{inline}]" if shape.root_flow else block + "\n"
        if _skippable(text) and text.strip():
            return new.replace("\n", editor.newline)
        separator = "" if not text or text.endswith("\n") else "\n"
        editor.insert(len(text), separator + new)
    return editor.apply()


def _insert_field(editor: _Editor, item: _Item, shape: _Shape, key: str, value: str) -> None:
    """Add `key` (already quoted) with `value` (text after the colon) at the end of the entry."""
    text, node = editor.text, item.node
    if _flow(node):
        last = _node_pairs(node)[-1]
        editor.insert(_end(text, last[1]), f"{shape.separator}{key}{shape.colon}{value.lstrip()}")
        return
    column = _column(node)
    editor.insert(_eol(text, _end(text, node)), f"\n{' ' * column}{key}:{value}")


def _set_username(editor: _Editor, item: _Item, username: str) -> None:
    text = editor.text
    shape = _item_shape(text, item)
    flow = _flow(item.node)
    pair = item.fields.get("username")
    if pair is None or not pair.own:
        _insert_field(
            editor,
            item,
            shape,
            _key("username", shape),
            " " + _scalar(username, shape.value_quote, flow=flow),
        )
        return
    _guard(pair)
    value = pair.value
    if _is_scalar(value) and _style(value) not in ("|", ">") and not _is_empty(value):
        editor.replace(
            _start(value), _end(text, value), _scalar(username, _quote_of(value), flow=flow)
        )
        return
    colon = shape.colon if flow else ": "
    new = colon + _scalar(username, shape.value_quote, flow=flow)
    editor.replace(_end(text, pair.key), _value_end(text, pair.key, value), new)


def _set_groups(editor: _Editor, item: _Item, groups: Sequence[str]) -> None:
    text = editor.text
    shape = _item_shape(text, item)
    flow = _flow(item.node)
    pair = item.fields.get("groups")
    if pair is None or not pair.own:
        if flow or not groups or shape.groups_flow:
            _insert_field(
                editor, item, shape, _key("groups", shape), " " + _flow_list(groups, shape)
            )
        else:
            column = _column(item.node) + shape.groups_offset
            _insert_field(
                editor, item, shape, _key("groups", shape), _block_list(groups, shape, column)
            )
        return
    _guard(pair)
    value = pair.value
    if _is_seq(value) and _flow(value):
        editor.replace(_start(value), _end(text, value), _flow_list(groups, shape))
        return
    if _is_seq(value) and value.value and groups:
        column = _column(value)
        first = _dash(text, _children(value)[0])
        new = _block_list(groups, shape, column).lstrip("\n").lstrip(" ")
        editor.replace(first, _end(text, value), new)
        return
    if flow or not groups or shape.groups_flow:
        new = ": " + _flow_list(groups, shape)
    else:
        new = ":" + _block_list(groups, shape, _column(pair.key) + shape.groups_offset)
    editor.replace(_end(text, pair.key), _value_end(text, pair.key, value), new)


def _append_groups(editor: _Editor, item: _Item, groups: Sequence[str]) -> None:
    text = editor.text
    pair = item.fields.get("groups")
    if pair is None or not pair.own or not _is_seq(pair.value) or not pair.value.value:
        _set_groups(editor, item, item.entry.groups + tuple(groups))
        return
    _guard(pair)
    shape = _item_shape(text, item)
    items = _children(pair.value)
    shape = _replace(shape, value_quote=_quote_of(items[-1]))
    if _flow(pair.value):
        editor.insert(
            _end(text, items[-1]),
            "".join(shape.separator + _scalar(g, shape.value_quote, flow=True) for g in groups),
        )
        return
    column = _column_of(text, _dash(text, items[0]))
    editor.insert(_eol(text, _end(text, pair.value)), _block_list(groups, shape, column))


def _guard(pair: _Pair) -> None:
    """A value shared through an anchor would change elsewhere too."""
    if pair.value.anchor is not None or pair.key.anchor is not None:
        raise InputError(
            f"the {pair.name} at line {_line(pair.key)} is a YAML anchor or alias",
            hint="an edit would change every place that uses it; edit it by hand",
        )


def _item_shape(text: str, item: _Item) -> _Shape:
    pair = item.fields.get(ARN_FIELDS[item.entry.kind])
    if pair is None or not pair.own:
        return _Shape(flow=_flow(item.node))
    return _shape_of(text, item, item.entry.kind, item.entry.kind)


def _remove_item(current: _Map, index: int) -> str:
    text, root = current.text, current.root
    assert root is not None  # there is an item to remove
    items = _children(root)
    if items.count(items[index]) > 1:  # an alias: the node is written once, elsewhere
        raise _cannot_edit(current.key)
    node = items[index]
    editor = _Editor(text)
    if _flow(root):
        if len(items) == 1:
            editor.replace(_start(node), _end(text, node), "")
        elif index < len(items) - 1:
            editor.replace(_start(node), _start(items[index + 1]), "")
        else:
            editor.replace(_end(text, items[index - 1]), _end(text, node), "")
        return editor.apply()
    dash = _dash(text, node)
    start = _bol(text, dash) if not text[_bol(text, dash) : dash].strip() else dash
    start = _attached_comments(text, start, _column_of(text, dash))
    end = _eol(text, _end(text, node))
    end = min(len(text), end + (2 if text[end : end + 2] == "\r\n" else 1))
    if len(items) == 1:
        editor.replace(start, end, " " * _column_of(text, dash) + "[]" + editor.newline)
    else:
        editor.replace(start, end, "")
    return editor.apply()


def _attached_comments(text: str, start: int, column: int) -> int:
    """Comment lines directly above an entry, at its dash's column, go with it (not line 1)."""
    lines = text[:start].splitlines(keepends=True)
    taken = 0
    while taken < len(lines) - 1:
        line = lines[-1 - taken]
        if not line.lstrip(" ").startswith("#") or len(line) - len(line.lstrip(" ")) != column:
            break
        taken += 1
    return start - sum(len(line) for line in lines[len(lines) - taken :])


# --- diff ----------------------------------------------------------------------------------------


def diff(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """A unified diff of two ConfigMap data maps, key by key (`--dry-run`)."""
    out: list[str] = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        out += difflib.unified_diff(
            _diff_lines(old),
            _diff_lines(new),
            fromfile=f"a/data/{key}" if old is not None else "/dev/null",
            tofile=f"b/data/{key}" if new is not None else "/dev/null",
        )
    return "".join(out)


def _diff_lines(text: str | None) -> list[str]:
    lines = (text or "").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


# --- validate ------------------------------------------------------------------------------------


def validate(data: Mapping[str, str]) -> list[Finding]:
    """What EKS would silently get wrong in this data, key by key and line by line."""
    auth = AwsAuth.parse(data)
    findings: list[Finding] = []
    for key in data:
        findings += _data_key_findings(key)
    for kind in KINDS:
        current = auth._maps[kind]
        if kind not in data:
            continue
        findings += [current.dropped] if current.dropped else []
        findings += current.problems
        for entry in auth.entries(kind):
            findings += _entry_findings(entry)
        findings += _masters(auth.entries(kind), kind)
    findings += _duplicates(auth)
    if MAP_ACCOUNTS in data:
        findings += _account_findings(data[MAP_ACCOUNTS], auth)
    order = {key: n for n, key in enumerate(data)}
    return sorted(findings, key=lambda f: (order.get(f.key, len(order)), f.line))


def _data_key_findings(key: str) -> Iterator[Finding]:
    if key in DATA_KEYS:
        return
    for name in DATA_KEYS:
        if key.strip().lower() == name.lower():
            yield Finding(
                "data-key-case",
                key,
                1,
                f"data key {key!r} is ignored: EKS reads only {name!r} (data keys are "
                "case-sensitive)",
                _E,
            )
            return
    close = difflib.get_close_matches(key, DATA_KEYS, n=1, cutoff=0.8)
    if close:
        yield Finding(
            "unknown-data-key",
            key,
            1,
            f"data key {key!r} is not one EKS reads (did you mean {close[0]!r}?)",
            _W,
        )


def _entry_findings(entry: Entry) -> Iterator[Finding]:
    kind, line = entry.kind, entry.line
    if entry.ignored:
        other = ARN_FIELDS[MAP_USERS if kind == MAP_ROLES else MAP_ROLES]
        if not entry.arn and any(_fold(k) == other for k in entry.extra):
            move = MAP_USERS if kind == MAP_ROLES else MAP_ROLES
            yield Finding(
                "wrong-arn-field",
                kind,
                line,
                f"this {kind} entry has {other}, not {ARN_FIELDS[kind]}: EKS ignores it "
                f"(move it to {move}, or rename the field)",
                _E,
            )
        else:
            yield Finding(
                "ignored-entry", kind, line, f"EKS ignores this entry: {entry.ignored}", _E
            )
        return
    if not entry.arn:
        yield Finding(
            "sso-matcher",
            kind,
            line,
            "this entry matches through 'sso', which aws-iam-authenticator honours only with its "
            "alpha SSORoleMatch feature gate (off by default, not documented for EKS): give "
            "rolearn: arn:aws:iam::ACCOUNT:role/AWSReservedSSO_<set>_<suffix> instead",
            _W,
        )
    else:
        problem = _arn_problem(kind, entry.arn)
        if problem:
            yield Finding(problem[0], kind, line, problem[1], problem[2])
    yield from _username_findings(entry)
    for group in entry.groups:
        if "\n" in group or " - " in group:
            yield Finding(
                "suspicious-group",
                kind,
                line,
                f"the group {group!r} looks like list items run together (a '-' indented "
                "differently from the ones above it)",
                _W,
            )
        yield from _placeholder_findings(entry, group)


def _username_findings(entry: Entry) -> Iterator[Finding]:
    kind, line, username = entry.kind, entry.line, entry.username
    if not username:
        yield Finding(
            "empty-username",
            kind,
            line,
            "no username: EKS passes the caller to Kubernetes with an empty name",
            _W,
        )
        return
    if username.startswith(RESERVED_PREFIXES):
        yield Finding(
            "reserved-username",
            kind,
            line,
            f"the username {username!r} starts with a prefix EKS reserves "
            f"({', '.join(RESERVED_PREFIXES)}): EKS refuses to authenticate the caller",
            _E,
        )
    elif username.startswith(SYSTEM_PREFIX) and username not in NODE_USERNAMES:
        yield Finding(
            "reserved-username",
            kind,
            line,
            f"the username {username!r} is a Kubernetes system name: only the EKS node "
            f"templates ({', '.join(NODE_USERNAMES)}) should use 'system:'",
            _W,
        )
    yield from _placeholder_findings(entry, username)


def _placeholder_findings(entry: Entry, value: str) -> Iterator[Finding]:
    for placeholder in _PLACEHOLDER.findall(value):
        if placeholder not in PLACEHOLDERS:
            yield Finding(
                "unknown-placeholder",
                entry.kind,
                entry.line,
                f"{placeholder} is not a placeholder EKS fills in ({', '.join(PLACEHOLDERS)}): "
                "it stays as written",
                _W,
            )


def _masters(entries: Sequence[Entry], kind: Kind) -> Iterator[Finding]:
    granted = [e for e in entries if e.ignored is None and SYSTEM_MASTERS in e.groups]
    if granted:
        lines = ", ".join(str(e.line) for e in granted)
        count = f"{len(granted)} entr{'y' if len(granted) == 1 else 'ies'}"
        yield Finding(
            "system-masters",
            kind,
            granted[0].line,
            f"{count} in {kind} grant{'s' if len(granted) == 1 else ''} {SYSTEM_MASTERS} "
            f"(cluster admin that RBAC cannot limit) at line{'s' if len(granted) > 1 else ''} "
            f"{lines}",
            _N,
        )


def _duplicates(auth: AwsAuth) -> Iterator[Finding]:
    """saveMap keeps the last entry per key: the lower-cased ARN for roles, the ARN for users."""
    winners: dict[Kind, dict[str, Entry]] = {}
    for kind in KINDS:
        by_key: dict[str, list[Entry]] = {}
        for e in (e for e in auth.entries(kind) if e.ignored is None and e.arn):
            by_key.setdefault(e.arn.lower() if kind == MAP_ROLES else e.arn, []).append(e)
        for same in by_key.values():
            last = same[-1]
            for e in same[:-1]:
                message = (
                    f"{e.arn} is mapped again at line {last.line}: EKS uses the last one and "
                    "ignores this one"
                )
                yield Finding("duplicate-arn", kind, e.line, message, _W)
        winners[kind] = {key: same[-1] for key, same in by_key.items()}
    variants: dict[str, list[Entry]] = {}
    for e in winners[MAP_USERS].values():
        variants.setdefault(e.arn.lower(), []).append(e)
    for same in (v for v in variants.values() if len(v) > 1):
        written = ", ".join(f"{e.arn} (line {e.line})" for e in same)
        message = f"one user written {len(same)} ways, {written}: EKS keeps each and picks either"
        yield Finding("duplicate-arn", MAP_USERS, same[-1].line, message, _W)
    for e in winners[MAP_USERS].values():
        role = winners[MAP_ROLES].get(e.arn.lower())
        if role is not None:
            message = (
                f"{e.arn} is also under mapRoles (line {role.line}), which EKS checks first: "
                "this entry is never used"
            )
            yield Finding("shadowed-by-role", MAP_USERS, e.line, message, _W)


def _account_findings(text: str, auth: AwsAuth) -> Iterator[Finding]:
    if auth._accounts_dropped:
        yield auth._accounts_dropped
        return
    root = _compose(text)
    items = _children(root) if root is not None and _is_seq(root) else []
    for item in items:
        if not _is_scalar(item):
            yield Finding(
                "wrong-type", MAP_ACCOUNTS, _line(item), "not an account id: EKS skips it", _E
            )
        elif not _ACCOUNT.fullmatch(_text(item)):
            yield Finding(
                "invalid-account",
                MAP_ACCOUNTS,
                _line(item),
                f"{_text(item)!r} is not a 12-digit AWS account id: it never matches",
                _E,
            )
        else:
            yield Finding(
                "account-allowed",
                MAP_ACCOUNTS,
                _line(item),
                f"every IAM identity in {_text(item)} that no entry maps can authenticate, "
                "as its ARN with no groups",
                _N,
            )


# --- a GitOps manifest ---------------------------------------------------------------------------

AWS_AUTH_NAME: Final = "aws-auth"
AWS_AUTH_NAMESPACE: Final = "kube-system"


@dataclass(frozen=True)
class Manifest:
    """A YAML file holding the aws-auth ConfigMap; `with_data` rewrites only its data values."""

    text: str
    data: Mapping[str, str]
    document: int  # which document of the file (0-based)

    def with_data(self, data: Mapping[str, str]) -> str:
        """The file with the ConfigMap's data set to `data`; everything else as it was."""
        text = self.text
        for key in [k for k in self.data if k not in data]:
            text = _manifest_edit(text, self.document, key, None)
        for key, value in data.items():
            if self.data.get(key) != value:
                text = _manifest_edit(text, self.document, key, value)
        return text


def load_manifest(text: str) -> Manifest:
    """Find the aws-auth ConfigMap in a YAML file; InputError unless there is exactly one."""
    try:
        documents = _compose_all(text)
    except _Unreadable as e:
        raise InputError(
            f"the manifest is not valid YAML: line {e.line}, column {e.column}: {e.problem}",
            hint="fix the YAML first",
        ) from e
    found = [
        (n, d) for n, d in enumerate(documents) if _describe(d) == ("ConfigMap", AWS_AUTH_NAME)
    ]
    here = [(n, d) for n, d in found if _namespace(d) in (None, AWS_AUTH_NAMESPACE)]
    if len(here) > 1:
        raise InputError(
            f"the manifest holds {len(here)} aws-auth ConfigMaps (documents "
            f"{', '.join(str(n + 1) for n, _ in here)}): which one to edit is ambiguous",
            hint="keep one aws-auth ConfigMap per file",
        )
    if not here:
        if found:
            raise InputError(
                "the aws-auth ConfigMap in the manifest is in namespace "
                f"{_namespace(found[0][1])!r}",
                hint="EKS reads aws-auth from kube-system only",
            )
        shapes = ", ".join(f"{k or '?'}/{n or '?'}" for k, n in map(_describe, documents))
        raise InputError(
            f"the manifest is not the aws-auth ConfigMap (found: {shapes or 'nothing'})",
            hint="give a file with kind: ConfigMap and metadata.name: aws-auth",
        )
    number, document = here[0]
    return Manifest(text, MappingProxyType(_manifest_data(text, document)), number)


def _get_pair(node: Node | None, key: str) -> tuple[Node, Node] | None:
    if node is None or not _is_map(node):
        return None
    found = [(k, v) for k, v in _node_pairs(node) if _is_scalar(k) and _text(k) == key]
    return found[-1] if found else None


def _get(node: Node | None, key: str) -> Node | None:
    pair = _get_pair(node, key)
    return pair[1] if pair else None


def _scalar_text(node: Node | None) -> str | None:
    return _text(node) if node is not None and _is_scalar(node) else None


def _describe(document: Node) -> tuple[str | None, str | None]:
    metadata = _get(document, "metadata")
    return _scalar_text(_get(document, "kind")), _scalar_text(_get(metadata, "name"))


def _namespace(document: Node) -> str | None:
    return _scalar_text(_get(_get(document, "metadata"), "namespace"))


def _manifest_data(text: str, document: Node) -> dict[str, str]:
    node = _get(document, "data")
    if node is None or (_is_scalar(node) and _json_type(node, text) == "null"):
        return {}
    if not _is_map(node):
        raise InputError(
            f"the aws-auth ConfigMap's data (line {_line(node)}) is not a mapping",
            hint="data maps keys to strings",
        )
    data = {}
    for key, value in _node_pairs(node):
        if _is_scalar(value) and _json_type(value, text) == "null":
            data[_text(key)] = ""  # the API server decodes a null string as ""
            continue
        if not _is_scalar(value) or _json_type(value, text) != "string":
            raise InputError(
                f"the aws-auth ConfigMap's data.{_text(key)} (line {_line(value)}) is not a string",
                hint="quote it: ConfigMap data values are strings",
            )
        data[_text(key)] = _text(value)
    return data


def _manifest_edit(text: str, number: int, key: str, value: str | None) -> str:
    """Set (or, with None, delete) one data key: the original style first, then double quotes.

    Each candidate is parsed back; the first that changes nothing but this key is taken.
    """
    documents = _compose_all(text)
    expected = {k: v for k, v in _manifest_data(text, documents[number]).items() if k != key}
    if value is not None:
        expected[key] = value
    for candidate in _manifest_candidates(text, documents[number], key, value):
        if _manifest_reads(candidate, number, len(documents)) == expected:
            return candidate
    raise InputError(
        f"cannot write data.{key} into the manifest without changing the rest of it",
        hint="edit the manifest by hand",
    )


def _manifest_reads(text: str, number: int, documents: int) -> dict[str, str] | None:
    """The data a rewritten manifest holds, or None when it is no longer the same file shape."""
    try:
        after = _compose_all(text)
        return _manifest_data(text, after[number]) if len(after) == documents else None
    except (_Unreadable, InputError):
        return None


def _manifest_candidates(text: str, document: Node, key: str, value: str | None) -> list[str]:
    """The file with the key set (or deleted), in each way worth trying, best first."""
    data_pair = _get_pair(document, "data")
    data = data_pair[1] if data_pair else None
    pair = _get_pair(data, key)
    root = _node_pairs(document)
    step = _indent_step([data_pair, *root] if data_pair else root)
    if value is None:
        assert data is not None and pair is not None  # the key was read from this data
        return [_delete_pair(text, data, pair)]
    candidates = []
    if pair is not None:  # replace the value, in its style if it can be
        old_key, old = pair
        for new in _value_texts(text, value, _column(old_key), old, step, flow=_flow(data)):
            editor = _Editor(text)
            if _is_empty(old):
                editor.insert(_value_end(text, old_key, old), " " + new)
            else:
                editor.replace(_start(old), _end(text, old), new)
            candidates.append(editor.apply())
    elif data is not None and _is_map(data) and data.value and _flow(data):
        pairs = _node_pairs(data)
        last_key, last_value = pairs[-1]
        gaps = [text[_end(text, a[1]) : _start(b[0])] for a, b in itertools.pairwise(pairs)]
        gap = gaps[-1] if gaps else ", "
        colon = text[_end(text, last_key) : _start(last_value)] if _quote_of(last_key) else ": "
        editor = _Editor(text)
        editor.insert(_end(text, last_value), f"{gap}{_double(key)}{colon}{_double(value)}")
        candidates.append(editor.apply())
    elif data is not None and _is_map(data) and data.value:  # after the last key
        last_key, last_value = _node_pairs(data)[-1]
        column = _column(last_key)
        for new in _value_texts(text, value, column, None, step, flow=False):
            editor = _Editor(text)
            line = f"\n{' ' * column}{_scalar(key, '', flow=False)}: {new}"
            editor.insert(_eol(text, _end(text, last_value)), line)
            candidates.append(editor.apply())
    elif _flow(document):  # a JSON manifest without data, or with {} or null
        editor = _Editor(text)
        new_data = f"{{{_double(key)}: {_double(value)}}}"
        if data_pair is not None:
            editor.replace(_start(data_pair[1]), _end(text, data_pair[1]), new_data)
        else:
            editor.insert(_end(text, root[-1][1]), f", {_double('data')}: {new_data}")
        candidates.append(editor.apply())
    else:  # no data yet (none, null or {}): a block mapping under `data:`
        column = _column(data_pair[0] if data_pair else root[0][0])
        for new in _value_texts(text, value, column + step, None, step, flow=False):
            body = f"\n{' ' * (column + step)}{_scalar(key, '', flow=False)}: {new}"
            editor = _Editor(text)
            if data_pair is not None:
                editor.replace(_end(text, data_pair[0]), _value_end(text, *data_pair), ":" + body)
            else:
                editor.insert(_eol(text, _end(text, document)), f"\n{' ' * column}data:{body}")
            candidates.append(editor.apply())
    return candidates


def _indent_step(pairs: Sequence[tuple[Node, Node]]) -> int:
    """How far the file indents a block mapping under its key (2 unless it shows otherwise)."""
    for key, value in pairs:
        if _is_map(value) and not _flow(value) and value.value:
            return _column(_node_pairs(value)[0][0]) - _column(key)  # block children: deeper
    return 2


def _value_texts(
    text: str, value: str, column: int, old: Node | None, step: int, *, flow: bool
) -> list[str]:
    """Ways to write a data value after `key: `, most like the old one first."""
    if flow:
        return [_double(value)]
    style = _style(old) if old is not None else ""
    if "\n" in value or style in ("|", ">"):
        indent = step
        if old is not None and style in ("|", ">"):
            body = text[_eol(text, _start(old)) :].lstrip("\r\n")
            indent = max(len(body) - len(body.lstrip(" ")) - column, 1)
        literal = _literal(value, column, indent)
        first = [literal] if literal is not None else []
    else:
        first = [_scalar(value, style if style in ("'", '"') else "", flow=False)]
    return [*first, _double(value)]


def _literal(value: str, column: int, indent: int) -> str | None:
    """`value` as a `|` block scalar at `column + indent`, or None when it cannot be one."""
    if not value or any(not c.isprintable() and c not in "\n\t" for c in value) or indent > 9:
        return None
    if value.endswith("\n\n") or value == "\n":
        chomp, body = "+", value[:-1]
    elif value.endswith("\n"):
        chomp, body = "", value[:-1]
    else:
        chomp, body = "-", value
    lines = body.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indicator = str(indent) if first.startswith(" ") else ""
    pad = " " * (column + indent)
    return f"|{chomp}{indicator}" + "".join(f"\n{pad}{line}" if line else "\n" for line in lines)


def _delete_pair(text: str, data: Node, pair: tuple[Node, Node]) -> str:
    key, value = pair
    pairs = _node_pairs(data)
    editor = _Editor(text)
    index = [k for k, _ in pairs].index(key)
    if _flow(data):
        if len(pairs) == 1:
            editor.replace(_start(key), _end(text, value), "")
        elif index < len(pairs) - 1:
            editor.replace(_start(key), _start(pairs[index + 1][0]), "")
        else:
            editor.replace(_end(text, pairs[index - 1][1]), _end(text, value), "")
        return editor.apply()
    if len(pairs) == 1:  # `data:` keeps an empty mapping
        editor.replace(_bol(text, _start(key)) - 1, _eol(text, _end(text, value)), " {}")
        return editor.apply()
    end = _eol(text, _end(text, value))
    editor.replace(_bol(text, _start(key)), min(len(text), end + 1), "")
    return editor.apply()
