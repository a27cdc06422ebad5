"""Usage per app, user and day, computed from the audit log (one keyset walk over a bounded
window, aggregated in Python)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inset.audit import storage
from inset.audit.service import parse_time, resolve_app_id
from inset.audit.storage import EventFilter
from inset.db import utcnow
from inset.errors import ValidationFailed

MAX_DAYS = 92
COUNTED = {"session.started": "sessions", "page.viewed": "pageViews", "query.run": "queryRuns"}


def p95(values: list[int]) -> int | None:
    """Nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def usage(
    session: AsyncSession, *, app: str | None, start: str | None, end: str | None
) -> dict[str, Any]:
    """Rows ``{app, user, day, sessions, pageViews, queryRuns, errors, p95QueryMs}`` for
    ``[from, to)`` (default: the last 7 days; at most 92 days)."""
    until = parse_time(end, "to") or utcnow()
    since = parse_time(start, "from") or until - timedelta(days=7)
    if since >= until:
        raise ValidationFailed("from must be before to", field="from")
    if until - since > timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"the range may span at most {MAX_DAYS} days", field="from")
    app_id = await resolve_app_id(session, app)
    counts: dict[tuple[int | None, str | None, str], dict[str, int]] = defaultdict(
        lambda: {"sessions": 0, "pageViews": 0, "queryRuns": 0, "errors": 0}
    )
    durations: dict[tuple[int | None, str | None, str], list[int]] = defaultdict(list)
    f = EventFilter(app_id=app_id, since=since, until=until)
    async for event in storage.iter_events(session, f):
        field = COUNTED.get(event.type)
        if field is None:
            continue
        key = (event.app_id, event.external_identifier, event.occurred_at.date().isoformat())
        counts[key][field] += 1
        if event.type == "query.run":
            if event.outcome != "ok":
                counts[key]["errors"] += 1
            ms = event.data.get("durationMs")
            if isinstance(ms, int) and event.outcome == "ok":
                durations[key].append(ms)
    rows = [
        {"appId": k[0], "user": k[1], "day": k[2], **v, "p95QueryMs": p95(durations[k])}
        for k, v in sorted(counts.items(), key=lambda kv: (kv[0][2], kv[0][0] or 0, kv[0][1] or ""))
    ]
    return {
        "from": since.astimezone(UTC).isoformat(),
        "to": until.astimezone(UTC).isoformat(),
        "rows": rows,
    }
