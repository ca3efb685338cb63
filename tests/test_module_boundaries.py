"""DataFrame.attrs stays inside the module that sets it; across modules results are dataclasses.

Pandas copies attrs to some derived tables and drops them from others, and a reader of a function
cannot see what it hides there: a measure, a rule or a list of left-out members read from attrs in
another module breaks without a word the day a filter or a cache loses them (issue #14).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "oms_dash"
# (module, key) pairs a module may keep in attrs for itself: set and read in that module alone.
INTERNAL_ATTRS: set[tuple[str, str]] = set()
WHOLE = "<the whole attrs>"  # attrs assigned, copied or cleared at once: their keys cannot be told


def _key(node: ast.AST) -> str | None:
    """A key written out ("measure") or named by a constant (DAILY_FLAG); None when computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return node.id if isinstance(node, ast.Name) else None


def attrs_uses(source: str) -> list[tuple[int, str, str]]:
    """(line, key, "set" or "read") for every ``.attrs`` in the source."""
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    uses = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "attrs"):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            how = "read" if isinstance(parent.ctx, ast.Load) else "set"
            uses.append((node.lineno, _key(parent.slice) or WHOLE, how))
        elif isinstance(parent, ast.Attribute) and parent.value is node:
            call = parents.get(parent)
            args = call.args if isinstance(call, ast.Call) else []
            if parent.attr in ("get", "pop") and args:
                uses.append((node.lineno, _key(args[0]) or WHOLE, "read"))
            elif parent.attr in ("update", "setdefault") and isinstance(call, ast.Call):
                keys = [k.arg for k in call.keywords]
                keys += [_key(a) for a in args[:1] if parent.attr == "setdefault"]
                uses += [(node.lineno, key or WHOLE, "set") for key in keys or [None]]
            else:
                uses.append((node.lineno, WHOLE, "read"))
        else:
            how = "set" if isinstance(node.ctx, ast.Store) else "read"
            uses.append((node.lineno, WHOLE, how))
    return sorted(uses)


def test_the_scan_finds_attrs_set_read_and_copied():
    source = ("out.attrs['measure'] = 'mp_total'\n"
              "m = scores.attrs.get('measure', 'auto')\n"
              "frame.attrs.update(end_column='end')\n"
              "copy.attrs = dict(other.attrs)\n")
    assert attrs_uses(source) == [(1, "measure", "set"), (2, "measure", "read"), (3, "end_column", "set"),
                                  (4, WHOLE, "read"), (4, WHOLE, "set")]


def test_no_module_reads_attrs_that_another_module_sets():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", ".")
        for line, key, how in attrs_uses(path.read_text(encoding="utf-8")):
            found.setdefault((module, key), []).append(f"{how} on line {line}")
    outside = {pair: where for pair, where in found.items() if pair not in INTERNAL_ATTRS}
    assert not outside, f"pass a dataclass instead of DataFrame.attrs: {outside}"
    for pair in INTERNAL_ATTRS:  # an allowed key is both set and read, in its own module
        assert {w.split()[0] for w in found.get(pair, [])} == {"set", "read"}, pair
