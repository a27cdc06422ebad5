"""Recording audit events, in the caller's transaction so an event and its effect commit
together (or neither does); verifying the hash chain; paging, exporting and purging."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import sys
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Row, insert, inspect, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from inset.audit import storage
from inset.audit.chain import GENESIS_HASH, hash_of_row
from inset.audit.chainer import chain_all
from inset.audit.models import AuditEvent
from inset.audit.storage import EventFilter
from inset.db import utcnow
from inset.errors import InsetError, ValidationFailed
from inset.metrics import observe_audit_event
from inset.settings import get_settings

if TYPE_CHECKING:
    from inset.auth.models import AccessToken


class _Meta(Protocol):
    @property
    def request_id(self) -> str | None: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...


MAX_PAGE = 500
_PENDING_KEY = "inset_audit_pending"
# The current request's id, client IP and user agent, bound at authentication (inset.deps)
# so that every event of the request carries them even when a service does not pass them.
_request_meta: ContextVar[tuple[str | None, str | None, str | None]] = ContextVar(
    "inset_audit_request_meta", default=(None, None, None)
)


def bind_request_meta(meta: _Meta) -> None:
    _request_meta.set((meta.request_id, meta.ip, meta.user_agent))


async def record(
    session: AsyncSession,
    type: str,
    *,
    actor_type: str,
    actor_id: str | int | None = None,
    outcome: str = "ok",
    external_identifier: str | None = None,
    app_id: int | None = None,
    session_id: str | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event in the caller's transaction. Never pass secrets in ``data``.

    One INSERT and no lock: the event commits (or rolls back) with the caller's work, and
    the chainer (audit/chainer.py) links it into the hash chain shortly after the commit;
    until then its ``seq``, ``prev_hash`` and ``hash`` are NULL."""
    bound_id, bound_ip, bound_agent = _request_meta.get()
    values: dict[str, Any] = {
        "occurred_at": utcnow(),
        "type": type,
        "outcome": outcome,
        "actor_type": actor_type,
        "actor_id": None if actor_id is None else str(actor_id),
        "external_identifier": external_identifier,
        "app_id": app_id,
        "session_id": session_id,
        "request_id": request_id or bound_id,
        "ip": ip or bound_ip,
        "user_agent": (user_agent or bound_agent or "")[:400] or None,
        "data": data or {},
    }
    inserted = await session.execute(insert(AuditEvent).values(values).returning(AuditEvent.id))
    event = AuditEvent(id=inserted.scalar_one(), **values)
    _after_commit(session, event)
    return event


def _after_commit(session: AsyncSession, event: AuditEvent) -> None:
    """Once the event's transaction commits (never if it rolls back): count it in /metrics
    and, with INSET_AUDIT_STDOUT, print it as one JSON line."""
    sync: Session = session.sync_session
    pending: list[AuditEvent] | None = sync.info.get(_PENDING_KEY)
    if pending is None:
        pending = sync.info[_PENDING_KEY] = []

        def committed(done: Session) -> None:
            events: list[AuditEvent] = done.info.pop(_PENDING_KEY, [])
            for item in events:
                observe_audit_event(item.type, item.outcome, item.app_id, item.data)
            if events and get_settings().audit_stdout:
                for item in events:
                    sys.stdout.write(json.dumps(event_dict(item), ensure_ascii=False) + "\n")
                sys.stdout.flush()

        def rolled_back(done: Session, previous: SessionTransaction) -> None:
            if previous.nested:  # a savepoint: the transaction, and its events, go on
                sa_event.listen(done, "after_soft_rollback", rolled_back, once=True)
                return
            done.info.pop(_PENDING_KEY, None)

        sa_event.listen(sync, "after_commit", committed, once=True)
        sa_event.listen(sync, "after_soft_rollback", rolled_back, once=True)
    pending.append(event)


def event_dict(event: AuditEvent | Row[Any]) -> dict[str, Any]:
    """The public JSON form of one event, an ORM object or a plain row (API, export,
    stdout mirror)."""
    return {
        "id": event.id,
        "seq": event.seq,
        "occurredAt": event.occurred_at.isoformat(),
        "type": event.type,
        "outcome": event.outcome,
        "actorType": event.actor_type,
        "actorId": event.actor_id,
        "externalIdentifier": event.external_identifier,
        "appId": event.app_id,
        "sessionId": event.session_id,
        "requestId": event.request_id,
        "ip": event.ip,
        "userAgent": event.user_agent,
        "data": event.data,
        "prevHash": event.prev_hash,
        "hash": event.hash,
    }


# ---- verify -------------------------------------------------------------------------


# Pending events older than this are worth a warning: a server's chainer links events
# within about a second, so these mean no server (or its chainer) is running.
STALE_UNCHAINED = timedelta(minutes=1)


@dataclass(frozen=True)
class VerifyResult:
    """``unchained``: committed events the chainer has not linked yet (not a broken
    chain); ``oldest_unchained_at``: when the oldest of them occurred."""

    ok: bool
    checked: int
    unchained: int
    first_seq: int | None
    problem: str | None = None
    seq: int | None = None
    event_id: int | None = None
    oldest_unchained_at: datetime | None = None

    @property
    def stale_unchained(self) -> bool:
        """Pending events older than STALE_UNCHAINED (is a chainer running?)."""
        oldest = self.oldest_unchained_at
        return oldest is not None and utcnow() - oldest > STALE_UNCHAINED


async def verify_chain(session: AsyncSession) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first broken link.

    A modified row fails its own hash; a deleted row leaves a gap in ``seq`` and a
    ``prev_hash`` that matches nothing; a purge is accepted only where an ``audit.purged``
    event that is itself in the chain (chained with seq <= head, so the walk checks its
    hash too) names the anchor the chain restarts from: an unchained one excuses nothing.
    Events the chainer has not linked yet are counted in ``unchained``, not checked."""
    unchained = await storage.count_unchained(session)
    oldest = await storage.oldest_unchained_at(session) if unchained else None
    # Read the head first: events chained while we walk have a higher seq and are left
    # for the next run.
    head = await storage.get_head(session)
    head_seq, head_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
    anchors = _anchors(await storage.purge_anchors(session, upto=head_seq))
    checked = 0
    expected_seq: int | None = None
    expected_prev = GENESIS_HASH
    first_seq: int | None = None

    def broken(problem: str, seq: int | None, event_id: int | None) -> VerifyResult:
        return VerifyResult(False, checked, unchained, first_seq, problem, seq, event_id, oldest)

    async for row in storage.iter_chain(session, upto=head_seq):
        seq = int(row.seq or 0)
        if expected_seq is None:
            first_seq = seq
            if seq != 1:
                anchor = anchors.get(seq - 1)
                if anchor is None:
                    return broken(
                        f"events 1..{seq - 1} are missing and no audit.purged event anchors "
                        f"the chain at seq {seq - 1}",
                        seq,
                        row.id,
                    )
                expected_prev = anchor
            expected_seq = seq
        if seq != expected_seq:
            return broken(
                f"event seq {expected_seq} is missing (deleted); next is seq {seq}",
                expected_seq,
                row.id,
            )
        if row.prev_hash != expected_prev:
            return broken(
                f"event seq {seq} does not link to the previous event (prev_hash mismatch: "
                "deleted, reordered or modified neighbour)",
                seq,
                row.id,
            )
        if hash_of_row(row, expected_prev) != row.hash:
            return broken(
                f"event seq {seq} was modified (its hash does not match its content)",
                seq,
                row.id,
            )
        expected_prev = str(row.hash)
        expected_seq = seq + 1
        checked += 1
    last_seq = (expected_seq or 1) - 1
    if last_seq != head_seq:
        return broken(
            f"the chain head is at seq {head_seq} but the last event is seq {last_seq} "
            "(newest events deleted)",
            last_seq + 1,
            None,
        )
    if head_seq and head_hash != expected_prev:
        return broken(
            "the chain head's hash does not match the last event (newest events altered)",
            last_seq,
            None,
        )
    return VerifyResult(True, checked, unchained, first_seq, oldest_unchained_at=oldest)


def _anchors(purges: Sequence[AuditEvent]) -> dict[int, str]:
    """``{anchor seq: anchor hash}`` named by the given ``audit.purged`` events (one with
    a malformed anchor names none)."""
    anchors: dict[int, str] = {}
    for purge_event in purges:
        data: Any = purge_event.data
        try:
            seq, anchor_hash = int(data["anchor"]["seq"]), str(data["anchor"]["hash"])
        except (KeyError, TypeError, ValueError):
            continue
        anchors.setdefault(seq, anchor_hash)
    return anchors


# ---- purge --------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    before: datetime
    anchor_seq: int | None
    event_id: int


async def purge(
    session: AsyncSession,
    before: datetime,
    *,
    actor_type: str = "system",
    actor_id: str | None = None,
) -> PurgeResult:
    """Delete events older than ``before`` (a prefix of the chain) and record
    ``audit.purged`` with the anchor (seq and hash of the last deleted event), from which
    ``verify`` continues.

    Chains every pending event first, in this transaction (so it holds the chain lock to
    its commit): only chained events are deleted, and the anchor is the chain's. The
    ``audit.purged`` event is chained in the same transaction."""
    if before > utcnow():
        raise ValidationFailed("before must not be in the future", field="before")
    await chain_all(session)
    last = await storage.last_seq_before(session, before)
    deleted = await storage.delete_through(session, last.seq if last else None)
    anchor = {"seq": last.seq, "hash": last.hash} if last is not None else None
    event = await record(
        session,
        "audit.purged",
        actor_type=actor_type,
        actor_id=actor_id,
        data={"before": before.isoformat(), "deleted": deleted, "anchor": anchor},
    )
    await chain_all(session)  # the purge event itself, so verify finds the anchor at once
    return PurgeResult(deleted, before, last.seq if last else None, event.id)


def retention_cutoff(days: int) -> datetime | None:
    return utcnow() - timedelta(days=days) if days > 0 else None


# ---- paging and export --------------------------------------------------------------


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = raw.partition(":")
        if version != "v1":
            raise ValueError(raw)
        event_id = int(value)
        if event_id < 1:
            raise ValueError(raw)
        return event_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("cursor is not valid", field="cursor") from None


@dataclass(frozen=True)
class EventPage:
    events: list[dict[str, Any]]
    next_cursor: str | None


async def list_events(
    session: AsyncSession, f: EventFilter, *, cursor: str | None, limit: int
) -> EventPage:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before_id = decode_cursor(cursor) if cursor else None
    rows = await storage.page_events(session, f, before_id=before_id, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(
        [event_dict(r) for r in rows],
        encode_cursor(rows[-1].id) if more and rows else None,
    )


CSV_COLUMNS = [
    "id",
    "seq",
    "occurredAt",
    "type",
    "outcome",
    "actorType",
    "actorId",
    "externalIdentifier",
    "appId",
    "sessionId",
    "requestId",
    "ip",
    "userAgent",
    "data",
    "prevHash",
    "hash",
]
FORMATS = ("jsonl", "csv")


async def export_lines(
    session: AsyncSession, f: EventFilter, fmt: str, *, batch: int = storage.BATCH
) -> AsyncIterator[str]:
    """The matching events, oldest first, as JSON lines or CSV (with header), one chunk
    per keyset batch."""
    if fmt not in FORMATS:
        raise ValidationFailed("format must be jsonl or csv", field="format")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
    count = 0
    async for row in storage.iter_events(session, f, batch=batch):
        item = event_dict(row)
        if fmt == "jsonl":
            buffer.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            item["data"] = json.dumps(item["data"], ensure_ascii=False, separators=(",", ":"))
            writer.writerow(["" if item[c] is None else item[c] for c in CSV_COLUMNS])
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail


# ---- filters from the API -----------------------------------------------------------

OUTCOMES = ("ok", "denied", "error")
_TYPE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def parse_time(value: str | None, field: str) -> datetime | None:
    """An ISO 8601 date or datetime; naive means UTC."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"{field} must be an ISO 8601 date or datetime, like 2026-01-31T12:00:00Z",
            field=field,
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_type(value: str | None) -> tuple[str | None, str | None]:
    """``session.*`` is a prefix match, anything else exact: ``(exact, prefix)``."""
    if value is None or value == "":
        return None, None
    body = value[:-1] if value.endswith("*") else value
    if len(value) > 64 or not body or not set(body) <= _TYPE_CHARS:
        raise ValidationFailed(
            "type must be an event type like query.run, or a prefix ending in * like session.*",
            field="type",
        )
    return (None, body) if value.endswith("*") else (body, None)


async def resolve_app_id(session: AsyncSession, value: str | None) -> int | None:
    """An app given by id, uuid or slug."""
    if value is None or value == "":
        return None
    from inset.apps.models import App

    query = select(App.id)
    if value.isdigit():
        query = query.where(App.id == int(value))
    else:
        query = query.where(or_(App.uuid == value, App.slug == value))
    found = await session.scalar(query.limit(1))
    if found is None:
        raise ValidationFailed(f"No app with id, uuid or slug '{value[:100]}'.", field="app")
    return int(found)


async def build_filter(
    session: AsyncSession,
    *,
    user: str | None = None,
    app: str | None = None,
    type: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> EventFilter:
    """Validate the query-string filters (422 naming the bad one)."""
    if outcome not in (None, "") and outcome not in OUTCOMES:
        raise ValidationFailed("outcome must be ok, denied or error", field="outcome")
    exact, prefix = parse_type(type)
    since_at, until_at = parse_time(since, "since"), parse_time(until, "until")
    if since_at and until_at and since_at >= until_at:
        raise ValidationFailed("since must be before until", field="since")
    return EventFilter(
        external_identifier=user or None,
        app_id=await resolve_app_id(session, app),
        type_exact=exact,
        type_prefix=prefix,
        outcome=outcome or None,
        since=since_at,
        until=until_at,
    )


# ---- authentication hooks (called from inset.deps) ----------------------------------


_DENIED_ACTOR_TYPES = {"token": "token", "admin_session": "admin", "session": "external_user"}


async def record_denial(
    session: AsyncSession,
    exc: InsetError,
    meta: _Meta,
    *,
    method: str,
    path: str,
    credential: str,
) -> None:
    """``auth.denied`` for a 401/403 at the authentication boundary, with the reason code.
    ``credential`` is what was checked: ``token``, ``admin_session`` or ``session`` (never
    its value)."""
    if exc.status_code not in (401, 403):
        return
    await record(
        session,
        "auth.denied",
        actor_type=_DENIED_ACTOR_TYPES.get(credential, "external_user"),
        outcome="denied",
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={
            "reason": exc.code,
            "status": exc.status_code,
            "credential": credential,
            "method": method,
            "path": path[:200],
        },
    )


async def record_token_used(session: AsyncSession, token: AccessToken, meta: _Meta) -> None:
    """``token.used``, at most once per LAST_USED_RESOLUTION per token: exactly when
    authentication has just moved the token's ``last_used_at``."""
    if not inspect(token).attrs.last_used_at.history.has_changes():
        return
    await record(
        session,
        "token.used",
        actor_type="token",
        actor_id=token.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={"tokenId": token.id, "name": token.name},
    )
