"""The hash chain: each event's ``hash`` is SHA-256 over the canonical JSON of its fields and
the previous event's hash, so changing, deleting or reordering a row breaks the chain."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def normalize_data(data: Any) -> Any:
    """``data`` as it comes back from a JSON column (tuples become lists, etc.)."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    type: str,
    outcome: str,
    actor_type: str,
    actor_id: str | None,
    external_identifier: str | None,
    app_id: int | None,
    session_id: str | None,
    request_id: str | None,
    ip: str | None,
    user_agent: str | None,
    data: Any,
) -> str:
    """SHA-256 (hex) of the canonical JSON of one event (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(
        {
            "v": 1,
            "prevHash": prev_hash,
            "seq": seq,
            "occurredAt": _iso(occurred_at),
            "type": type,
            "outcome": outcome,
            "actorType": actor_type,
            "actorId": actor_id,
            "externalIdentifier": external_identifier,
            "appId": app_id,
            "sessionId": session_id,
            "requestId": request_id,
            "ip": ip,
            "userAgent": user_agent,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hash_of_row(row: Any, prev_hash: str, seq: int | None = None) -> str:
    """The hash an event row (ORM object or Row with the same attribute names) must carry;
    ``seq`` overrides the row's own (the chainer assigns it)."""
    return event_hash(
        prev_hash=prev_hash,
        seq=row.seq if seq is None else seq,
        occurred_at=row.occurred_at,
        type=row.type,
        outcome=row.outcome,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        external_identifier=row.external_identifier,
        app_id=row.app_id,
        session_id=row.session_id,
        request_id=row.request_id,
        ip=row.ip,
        user_agent=row.user_agent,
        data=row.data,
    )
