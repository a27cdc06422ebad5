"""What an instance may do depending on ``INSET_ROLE``.

``internal`` (default): everything. ``external``: the separate external-facing instance. It
serves embeds and accepts deploys (CLI, or the API with an ``apps:deploy`` token), but has no
app authoring (previews, drafts) and no internal users (admin users, admin web login).

Features that only an internal instance offers guard themselves with one of:

* routes: ``dependencies=[InternalOnly]`` (or a parameter ``_: InternalOnlyDep``);
* CLI commands / groups: :func:`cli_guard` as a Typer callback, or
  ``require_internal("…")`` at the start of the command;
* anything else: ``require_internal("…", settings)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from inset.errors import Forbidden
from inset.settings import Settings, get_settings


class InternalOnlyFeature(Forbidden):
    code = "internal_only"


def require_internal(feature: str, settings: Settings | None = None) -> None:
    """Refuse ``feature`` (403 ``internal_only``) on an instance with INSET_ROLE=external."""
    role = (settings or get_settings()).role
    if role != "internal":
        raise InternalOnlyFeature(
            f"{feature} is not available on an external instance (INSET_ROLE={role}); "
            "use the internal instance",
            field="INSET_ROLE",
        )


def internal_only(feature: str) -> Callable[[Request], None]:
    """A FastAPI dependency refusing ``feature`` on an external instance."""

    def dependency(request: Request) -> None:
        settings: Settings = request.app.state.settings
        require_internal(feature, settings)

    return dependency


InternalOnly = Depends(internal_only("This feature"))
InternalOnlyDep = Annotated[None, InternalOnly]


def cli_guard(feature: str) -> Callable[[], None]:
    """A Typer callback (for a command group) that exits with an error on an external
    instance: ``root.add_typer(sub, name="admin", callback=cli_guard("inset admin"))``."""

    def callback() -> None:
        from inset.cli_support import fail
        from inset.errors import InsetError

        try:
            require_internal(feature)
        except InsetError as exc:
            fail(exc.message)

    return callback
