"""Where each domain's Typer commands are attached to the root ``inset`` app."""

from __future__ import annotations

import importlib

import typer

# (module, attribute, name): a Typer sub-app mounted as ``inset NAME …``; name None means
# the module's commands are added at the top level.
SUBAPPS: list[tuple[str, str, str | None]] = [
    ("inset.server_cli", "app", None),
    ("inset.server_cli", "db_app", "db"),
    ("inset.auth.cli", "tokens_app", "tokens"),
    ("inset.auth.cli", "admin_app", "admin"),
    ("inset.access.cli", "groups_app", "groups"),
    ("inset.resources.cli", "app", "resources"),
    ("inset.demo.cli", "app", None),
    ("inset.dev.cli", "app", None),
    ("inset.apps.cli", "cli", None),
    ("inset.apps.cli", "app_cli", "app"),
    ("inset.apps.cli", "releases_cli", "releases"),
    ("inset.audit.cli", "app", "audit"),
    ("inset.access.cli", "access_app", "access"),
]

# Command groups an external instance (INSET_ROLE=external) refuses: see inset.roles.
INTERNAL_ONLY: dict[str, str] = {"admin": "Internal admin users (inset admin …)"}


def register(root: typer.Typer) -> None:
    """Attach every domain CLI to ``root``."""
    for module_name, attribute, name in SUBAPPS:
        module = importlib.import_module(module_name)
        sub = getattr(module, attribute)
        if name is None:
            for command in sub.registered_commands:
                root.registered_commands.append(command)
        elif name in INTERNAL_ONLY:
            from inset.roles import cli_guard

            root.add_typer(sub, name=name, callback=cli_guard(INTERNAL_ONLY[name]))
        else:
            root.add_typer(sub, name=name)
