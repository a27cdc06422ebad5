"""Docs that a test checks against the code: every setting, every CLI command and every
audit event type."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import typer

from inset.cli import _mount
from inset.cli import app as root
from inset.runtime.service import RUNTIME_EVENTS
from inset.settings import Settings

DOCS = Path(__file__).parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    documented = set(re.findall(r"`(INSET_[A-Z0-9_]+)`", text))
    expected = {f"INSET_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "undocumented settings"
    assert documented - expected == set(), "documented settings that do not exist"


# Host-side variables the docs' code samples read (the host's own environment, not Inset's).
HOST_VARIABLES = {"INSET_TOKEN", "INSET_URL", "INSET_DEPLOY_TOKEN"}


def test_every_setting_named_in_the_docs_exists() -> None:
    expected = {f"INSET_{name.upper()}" for name in Settings.model_fields}
    for page in sorted(DOCS.glob("*.md")):
        named = set(re.findall(r"\b(INSET_[A-Z0-9_]*[A-Z0-9])\b", page.read_text()))
        unknown = named - expected - HOST_VARIABLES
        assert unknown == set(), f"{page.name} names settings that do not exist: {unknown}"


def _command_paths(app: typer.Typer, prefix: str = "") -> set[str]:
    paths = set()
    for command in app.registered_commands:
        name = command.name or (
            command.callback.__name__.replace("_", "-") if command.callback else ""
        )
        paths.add(f"{prefix}{name}".strip())
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        paths |= _command_paths(group.typer_instance, f"{prefix}{group.name} ")
    return paths


def test_every_cli_command_is_documented() -> None:
    _mount()
    text = (DOCS / "cli.md").read_text()
    missing = {p for p in _command_paths(root) if f"inset {p}" not in text}
    assert missing == set(), f"commands missing from docs/cli.md: {sorted(missing)}"


SRC = Path(__file__).parent.parent / "src" / "inset"
Wrappers = dict[str, tuple[int, str]]  # function name -> (position, name) of its type param


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    given = [k.value for k in call.keywords if k.arg == name] or call.args[position : position + 1]
    return given[0] if given else None


def _strings(node: ast.expr | None) -> set[str]:
    """The event types an argument can be: a string, or a conditional of strings (a
    variable: none; runtime events are added by name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _wrappers(tree: ast.Module, recorders: Wrappers) -> Wrappers:
    """The module's functions that pass one of their parameters on as the event type of
    a recorder (audit's ``record`` and such wrappers, e.g. ``record_cli``)."""
    found: Wrappers = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and (called := _called(call)) in recorders:
                arg = _argument(call, *recorders[called])
                if isinstance(arg, ast.Name) and arg.id in params:
                    found[function.name] = (params.index(arg.id), arg.id)
    return found


def recorded_event_types() -> set[str]:
    """Every event type that src records: each string passed as the type to audit's
    ``record()`` or to a wrapper of it, and the runtime's events."""
    trees = [ast.parse(path.read_text(), str(path)) for path in sorted(SRC.rglob("*.py"))]

    def closure(base: Wrappers, modules: list[ast.Module], private: bool) -> Wrappers:
        """``base`` and the wrappers (of wrappers …) defined in ``modules``."""
        while True:
            more = {
                name: where
                for tree in modules
                for name, where in _wrappers(tree, base).items()
                if private or not name.startswith("_")
            }
            if more.keys() <= base.keys():
                return base
            base = base | more

    public = closure({"record": (1, "type")}, trees, private=False)
    found = set(RUNTIME_EVENTS)  # runtime/service.py records these by variable
    for tree in trees:
        recorders = closure(public, [tree], private=True)  # _audit means one thing per module
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and (called := _called(call)) in recorders:
                found |= _strings(_argument(call, *recorders[called]))
    return found


def test_every_audit_event_type_is_documented() -> None:
    text = (DOCS / "audit.md").read_text()
    section = text.split("## Event types", 1)[1].split("\n## ", 1)[0]
    documented = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", line.split(" | ", 1)[0])
    }
    recorded = recorded_event_types()
    assert {"token.created", "admin.group.renamed", "admin.user.created"} <= recorded
    assert recorded - documented == set(), "event types missing from docs/audit.md"
    assert documented - recorded == set(), "documented event types that nothing records"
