"""Query rate limits: a per-session concurrency cap and a per-user rate limit.

* ``INSET_QUERY_MAX_CONCURRENT_PER_SESSION`` (default 4): queries one embed session may
  have running at once in this process; one more is a 429 ``too_many_concurrent_queries``.
* ``INSET_QUERY_RATE_LIMIT`` (default ``120/minute``, the ``limits`` library's notation):
  runs per external user across their sessions, a fixed window; beyond it a 429
  ``query_rate_limited``. Counters live in process memory, or in Redis when
  ``INSET_REDIS_URL`` is set (shared by every server process).

Both 429s carry ``Retry-After`` (seconds) as ``exc.headers`` and in ``details``. A Redis
that cannot be reached does not take queries down: the limit is skipped and a warning is
logged (the concurrency cap still holds).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import ConnectionPool

from inset.db import Database
from inset.errors import TooManyRequests
from inset.logs import log
from inset.resources.schemas import mask_url
from inset.settings import get_settings

CONCURRENCY_RETRY_AFTER = 1


def too_many(message: str, code: str, retry_after: int) -> TooManyRequests:
    """A 429 with ``Retry-After`` (``exc.headers``, also in ``details.retryAfter``)."""
    return TooManyRequests(
        message,
        code=code,
        details={"retryAfter": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


@dataclass
class _Limiter:
    spec: tuple[str, str | None]
    loop: asyncio.AbstractEventLoop
    items: list[RateLimitItem]
    storage: Storage
    strategy: FixedWindowRateLimiter
    pool: ConnectionPool | None


_limiter: _Limiter | None = None
_running: dict[str, int] = {}


def _storage(redis_url: str | None) -> tuple[Storage, ConnectionPool | None]:
    if not redis_url:
        return MemoryStorage(), None
    plain = redis_url.removeprefix("async+")
    # Our own pool, so that close_limits() can close its connections.
    pool = ConnectionPool.from_url(plain, socket_connect_timeout=2, socket_timeout=2)
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(
        f"async+{plain}", implementation="redispy", wrap_exceptions=True, **options
    )
    return storage, pool


def _get_limiter() -> _Limiter | None:
    global _limiter
    settings = get_settings()
    spec = (settings.query_rate_limit.strip(), settings.redis_url)
    if not spec[0]:
        return None
    loop = asyncio.get_running_loop()
    # Storages hold loop-bound locks and connections: one per event loop (per process).
    if _limiter is None or _limiter.spec != spec or _limiter.loop is not loop:
        items = parse_many(spec[0])
        storage, pool = _storage(spec[1])
        _limiter = _Limiter(spec, loop, items, storage, FixedWindowRateLimiter(storage), pool)
    return _limiter


def reset_limits() -> None:
    """Forget the limiter and the in-process counters (tests). Call close_limits() first
    when a Redis pool may be open."""
    global _limiter
    _limiter = None
    _running.clear()


async def close_limits() -> None:
    """Close the Redis connections of this loop's limiter (app shutdown)."""
    global _limiter
    limiter, _limiter = _limiter, None
    if limiter is not None and limiter.pool is not None:
        if limiter.loop is asyncio.get_running_loop():
            await limiter.pool.aclose()


async def check_rate(user_key: str) -> None:
    """Count one run for ``user_key``; 429 ``query_rate_limited`` beyond the limit."""
    limiter = _get_limiter()
    if limiter is None:
        return
    try:
        for item in limiter.items:
            if not await limiter.strategy.hit(item, "query", user_key):
                stats = await limiter.strategy.get_window_stats(item, "query", user_key)
                retry = max(1, math.ceil(stats.reset_time - time.time()))
                raise too_many(
                    f"Too many queries: the limit is {item}. Try again in {retry} s.",
                    "query_rate_limited",
                    retry,
                )
    except TooManyRequests:
        raise
    except Exception as exc:  # the shared store is down: do not take queries down with it
        log.warning(
            "query_rate_limit_unavailable",
            store=mask_url(limiter.spec[1] or "memory"),
            error=f"{type(exc).__module__}.{type(exc).__qualname__}",
        )


@asynccontextmanager
async def session_slot(session_id: str) -> AsyncIterator[None]:
    """Hold one of the session's concurrent-query slots for the block; 429
    ``too_many_concurrent_queries`` when all are taken."""
    cap = get_settings().query_max_concurrent_per_session
    if cap <= 0:
        yield
        return
    running = _running.get(session_id, 0)
    if running >= cap:
        raise too_many(
            f"This session already runs {cap} queries at once; wait for one to finish.",
            "too_many_concurrent_queries",
            CONCURRENCY_RETRY_AFTER,
        )
    _running[session_id] = running + 1
    try:
        yield
    finally:
        left = _running.get(session_id, 1) - 1
        if left > 0:
            _running[session_id] = left
        else:
            _running.pop(session_id, None)


def running_queries() -> dict[str, Any]:
    """Per-session running counts (for tests and diagnostics)."""
    return dict(_running)


# Authentication refusals per client IP (INSET_AUTH_DENIALS_PER_MINUTE). Each refusal is an
# audit row (auth.denied): beyond the limit a flood of bad requests would be a write
# amplification, so further refusals answer 429 without a row each, and one aggregated
# auth.denied_suppressed event per IP and window records how many were suppressed (written
# when the window closes, by each process for its own refusals).

DENIAL_WINDOW_SECONDS = 60
DENIAL_NAMESPACE = "auth-denials"


@dataclass
class _DenialLimiter:
    spec: tuple[int, int, str | None]
    loop: asyncio.AbstractEventLoop
    item: RateLimitItem
    strategy: FixedWindowRateLimiter


_denial_limiter: _DenialLimiter | None = None
_suppressed: dict[tuple[str, int], int] = {}
_flushes: dict[tuple[str, int], asyncio.TimerHandle] = {}
_flush_tasks: set[asyncio.Task[int]] = set()


def _get_denial_limiter() -> _DenialLimiter | None:
    global _denial_limiter
    settings = get_settings()
    spec = (settings.auth_denials_per_minute, DENIAL_WINDOW_SECONDS, settings.redis_url)
    if spec[0] <= 0:
        return None
    loop = asyncio.get_running_loop()
    if _denial_limiter is None or _denial_limiter.spec != spec or _denial_limiter.loop is not loop:
        storage, _pool = _storage(spec[2])
        item = RateLimitItemPerSecond(spec[0], spec[1])
        _denial_limiter = _DenialLimiter(spec, loop, item, FixedWindowRateLimiter(storage))
    return _denial_limiter


async def denial_allowed(ip: str, database: Database) -> int | None:
    """Count one refusal from ``ip``. None: audit it as usual. Otherwise the client is over
    the limit: the refusal is counted for the aggregated event and the Retry-After (s) for
    the 429 is returned."""
    limiter = _get_denial_limiter()
    if limiter is None:
        return None
    try:
        if await limiter.strategy.hit(limiter.item, DENIAL_NAMESPACE, ip):
            return None
        stats = await limiter.strategy.get_window_stats(limiter.item, DENIAL_NAMESPACE, ip)
    except Exception as exc:  # the shared store is down: audit every refusal, as before
        log.warning("denial_limit_unavailable", error=type(exc).__qualname__)
        return None
    window = int(time.time() // DENIAL_WINDOW_SECONDS)
    key = (ip, window)
    _suppressed[key] = _suppressed.get(key, 0) + 1
    if key not in _flushes:
        delay = (window + 1) * DENIAL_WINDOW_SECONDS - time.time()
        _flushes[key] = limiter.loop.call_later(max(0.0, delay), _schedule_flush, database, key)
    return max(1, math.ceil(stats.reset_time - time.time()))


def _schedule_flush(database: Database, key: tuple[str, int]) -> None:
    task = asyncio.get_running_loop().create_task(flush_suppressed_denials(database, [key]))
    _flush_tasks.add(task)
    task.add_done_callback(_flush_tasks.discard)


async def flush_suppressed_denials(
    database: Database, keys: list[tuple[str, int]] | None = None
) -> int:
    """Write the ``auth.denied_suppressed`` events now (``keys``: those windows; default:
    all pending). Returns how many events were written. Never raises."""
    from inset.audit.service import record  # the audit service imports the query engine

    if keys is None:  # all of them: let flushes already under way finish first
        await asyncio.gather(*[t for t in _flush_tasks if not t.done()], return_exceptions=True)
    pending = list(_suppressed) if keys is None else [k for k in keys if k in _suppressed]
    written = 0
    for ip, window in pending:
        count = _suppressed.pop((ip, window), 0)
        handle = _flushes.pop((ip, window), None)
        if handle is not None:
            handle.cancel()
        try:
            async with database.session() as session:
                await record(
                    session,
                    "auth.denied_suppressed",
                    actor_type="anonymous",
                    outcome="denied",
                    ip=ip,
                    data={
                        "count": count,
                        "limit": get_settings().auth_denials_per_minute,
                        "windowStart": window * DENIAL_WINDOW_SECONDS,
                        "windowSeconds": DENIAL_WINDOW_SECONDS,
                    },
                )
            written += 1
        except Exception as exc:  # the metadata database is down: the count is lost, logged
            log.warning("denied_suppressed_not_recorded", ip=ip, count=count, error=str(exc))
    return written


def pending_suppressed_denials() -> int:
    """Suppressed refusals not yet written as auth.denied_suppressed (in this process)."""
    return sum(_suppressed.values()) + sum(1 for t in _flush_tasks if not t.done())


def reset_denials() -> None:
    """Forget the denial limiter and pending aggregated counts (tests)."""
    global _denial_limiter
    _denial_limiter = None
    for handle in _flushes.values():
        handle.cancel()
    _flushes.clear()
    _suppressed.clear()
