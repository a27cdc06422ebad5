"""The dev loop: validate and store drafts, watch the folder, mint preview sessions.

One :class:`DevService` lives in an ``inset dev`` process (``app.state.dev``). It owns a
short-lived ``embed`` token (created at start, revoked at exit) so previews are minted by
:func:`inset.embed.service.mint_embed_url` exactly like a host product's, and recorded in
the audit log as that token's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import watchfiles
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access import service as access
from inset.apps.loader import Issue
from inset.auth import service as auth
from inset.auth.models import AccessToken
from inset.db import Database, describe_db_error, utcnow
from inset.dev.drafts import (
    DEV_ENVIRONMENT,
    Draft,
    DraftOutcome,
    ResourceOverlay,
    SqliteOverride,
    deploy_drafts,
)
from inset.embed.schemas import EmbedUrlRequest
from inset.embed.service import RequestMeta, mint_embed_url
from inset.errors import Forbidden, ValidationFailed

TOKEN_NAME = "inset dev preview"
# watchfiles: a batch of changes is handed over once the folder is quiet for STEP ms.
WATCH_STEP_MS = 150
WATCH_DEBOUNCE_MS = 1500


@dataclass
class DevState:
    """What the dev page shows: the last good drafts, and the errors of the last attempt."""

    generation: int = 0
    ok: bool = False
    drafts: list[Draft] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    checked_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "ok": self.ok,
            "drafts": [d.to_dict() for d in self.drafts],
            "errors": [_issue(i) for i in self.errors],
            "warnings": [_issue(i) for i in self.warnings],
            "checkedAt": self.checked_at.isoformat() if self.checked_at else None,
        }


def _issue(issue: Issue) -> dict[str, Any]:
    return {**issue.to_dict(), "text": issue.format()}


@dataclass(frozen=True)
class PreviewIdentity:
    """Who to preview as (the dev page's form)."""

    app: str
    external_identifier: str
    groups: list[str]
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    page: str | None = None


class DevService:
    """Drafts of the apps in ``root`` for previews from ``origins`` (the dev server's)."""

    def __init__(
        self,
        database: Database,
        root: Path,
        origins: Sequence[str],
        overrides: Sequence[SqliteOverride] = (),
        out: Callable[[str], None] = print,
    ) -> None:
        self.database = database
        self.root = root
        self.origins = list(origins)
        self.overrides = list(overrides)
        self.out = out
        self.state = DevState()
        self.overlay = ResourceOverlay()
        self.token_id: int | None = None
        # The dev page's first "Preview as" values (--as, --groups, --metadata).
        self.identity: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> DevState:
        """Create the preview token, apply ``--resource`` overrides, store the first drafts."""
        async with self.database.session() as session:
            created = await auth.create_token(session, TOKEN_NAME, ["embed"], expires_days=1)
            self.token_id = created.token.id
            await self.overlay.apply_overrides(session, self.overrides)
        return await self.reload()

    async def close(self) -> None:
        """Revoke the preview token and undo this run's development resource configs."""
        async with self.database.session() as session:
            if self.token_id is not None:
                await auth.revoke_token(session, self.token_id)
            await self.overlay.undo(session)

    # ------------------------------------------------------------------ reloads

    async def reload(self) -> DevState:
        """Validate the folder and store drafts for what changed; print one line (or the
        errors). A failed attempt keeps the last good drafts."""
        async with self._lock:
            started = time.perf_counter()
            for attempt in (1, 2):
                added = set(self.overlay.added)
                try:
                    async with self.database.session() as session:
                        mirrored = await self.overlay.mirror_production(session)
                        outcome = await deploy_drafts(session, self.root, self.origins)
                    break
                except IntegrityError:  # another dev server stored the same draft number
                    self.overlay.added = added
                    if attempt == 2:
                        raise
            elapsed_ms = (time.perf_counter() - started) * 1000
            for name in mirrored:
                self.out(
                    f"resource '{name}': previews use its production config (add a "
                    f"'{DEV_ENVIRONMENT}' config with `inset resources add -e {DEV_ENVIRONMENT}`)"
                )
            state = self.state
            before = (state.ok, state.errors, [d.release_id for d in state.drafts])
            if outcome.errors:
                state.ok, state.errors = False, outcome.errors
            else:
                state.ok, state.errors, state.drafts = True, [], outcome.drafts
            if (state.ok, state.errors, [d.release_id for d in state.drafts]) != before:
                state.generation += 1  # something for the dev page to show
            state.warnings = outcome.warnings
            state.checked_at = utcnow()
            self._report(outcome, elapsed_ms)
            return state

    def _report(self, outcome: DraftOutcome, elapsed_ms: float) -> None:
        files, drafts, errors = outcome.files, outcome.drafts, outcome.errors
        for warning in outcome.warnings:
            self.out(warning.format())
        if errors:
            count = len(errors)
            self.out(f"validated {files} files: {count} error{'s' if count != 1 else ''}")
            for error in errors:
                self.out(error.format())
            return
        named = len(drafts) > 1  # several apps: say which
        what = ", ".join(
            ("deployed " if d.status == "created" else "")
            + (f"{d.slug} " if named else "")
            + f"draft {d.number}"
            + ("" if d.status == "created" else " unchanged")
            for d in drafts
        )
        self.out(f"validated {files} files, {what} in {elapsed_ms:.0f} ms")

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload after each batch of changes under the folder until ``stop`` is set."""
        async for _changes in watchfiles.awatch(
            self.root,
            debounce=WATCH_DEBOUNCE_MS,
            step=WATCH_STEP_MS,
            stop_event=stop,
            rust_timeout=500,
        ):
            try:
                await self.reload()
            except Exception as exc:  # e.g. the database went away: say so, keep watching
                self.out(f"error: reload failed: {describe_db_error(exc)}")

    # ------------------------------------------------------------------ previews

    def check_origin(self, origin: str) -> None:
        """Refuse a request that does not come from the dev page itself (CSRF)."""
        if origin not in self.origins:
            raise Forbidden(
                "Only the dev page itself may do this.", field="Origin", code="bad_origin"
            )

    def draft_of(self, app: str) -> Draft:
        for draft in self.state.drafts:
            if app in (draft.slug, draft.uuid):
                return draft
        known = ", ".join(d.slug for d in self.state.drafts) or "none yet (fix the errors)"
        raise ValidationFailed(
            f"app: no draft of '{app[:80]}' (drafts: {known})", field="app", code="unknown_app"
        )

    async def preview(
        self, session: AsyncSession, who: PreviewIdentity, origin: str, meta: RequestMeta
    ) -> tuple[str, Draft]:
        """Mint a single-use embed URL (a path on this server) of ``who.app``'s draft."""
        self.check_origin(origin)
        draft = self.draft_of(who.app)
        if not who.groups:
            raise ValidationFailed("groups: choose at least one group", field="groups")
        known = {g.name for g in await access.list_groups(session)}
        unknown = [g for g in who.groups if g not in known]
        if unknown:
            raise ValidationFailed(
                f"groups: unknown group '{unknown[0][:80]}' (create it: inset groups create …)",
                field="groups",
                code="unknown_group",
            )
        try:
            body = EmbedUrlRequest(
                landingPageUuid=draft.uuid,
                groupIds=list(who.groups),
                externalIdentifier=who.external_identifier,
                userInfo={
                    "email": who.email,
                    "firstName": who.first_name,
                    "lastName": who.last_name,
                },
                metadata=who.metadata,
                releaseVersion=draft.version,
                environment=DEV_ENVIRONMENT,
                pageName=who.page or None,
                parentOrigin=origin,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise ValidationFailed(f"{name}: {first.get('msg', 'invalid')}", field=name) from None
        token = await session.get(AccessToken, self.token_id) if self.token_id else None
        if token is None:
            raise Forbidden("The dev server's preview token is gone; restart inset dev.")
        minted = await mint_embed_url(session, token, body, meta)
        # A path on this server, whatever INSET_PUBLIC_URL says.
        return minted.embed_url[minted.embed_url.index("/embed/r/") :], draft
