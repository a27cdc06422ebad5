"""Docs that a test checks against the code: every setting and every CLI command."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from inset.cli import _mount
from inset.cli import app as root
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
