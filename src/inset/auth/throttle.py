"""Admin sign-in throttling: a rate limit per IP and per email, and a lockout per email.

* ``INSET_ADMIN_LOGIN_RATE_LIMIT`` (default ``20/minute``): attempts per client IP and per
  email (known or not); beyond it a 429 ``login_rate_limited``.
* ``INSET_ADMIN_LOGIN_MAX_FAILURES`` failures for one email within
  ``INSET_ADMIN_LOGIN_LOCKOUT_MINUTES`` lock it for the rest of that window: 429
  ``login_locked`` "Too many failed sign-ins; try again in M minutes". A successful sign-in
  clears the count.

Counters use the same storage as the query rate limits (:mod:`inset.queries.ratelimits`):
process memory, or Redis when ``INSET_REDIS_URL`` is set.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import ConnectionPool

from inset.errors import TooManyRequests
from inset.queries import ratelimits
from inset.settings import get_settings

NAMESPACE = "admin-login"


@dataclass
class _State:
    key: tuple[str, str | None, int, int]
    loop: asyncio.AbstractEventLoop
    storage: Storage
    strategy: FixedWindowRateLimiter
    attempts: list[RateLimitItem]
    failures: RateLimitItem
    pool: ConnectionPool | None


_state: _State | None = None


def _get() -> _State:
    global _state
    settings = get_settings()
    key = (
        settings.admin_login_rate_limit.strip(),
        settings.redis_url,
        settings.admin_login_max_failures,
        settings.admin_login_lockout_minutes,
    )
    loop = asyncio.get_running_loop()
    if _state is None or _state.key != key or _state.loop is not loop:
        storage, pool = ratelimits._storage(key[1])
        _state = _State(
            key,
            loop,
            storage,
            FixedWindowRateLimiter(storage),
            parse_many(key[0]) if key[0] else [],
            RateLimitItemPerMinute(key[2], key[3]),
            pool,
        )
    return _state


def reset() -> None:
    """Forget every counter (tests)."""
    global _state
    _state = None


async def close() -> None:
    """Close this loop's Redis connections, if any (app shutdown)."""
    global _state
    state, _state = _state, None
    if state is not None and state.pool is not None and state.loop is asyncio.get_running_loop():
        await state.pool.aclose()


async def _retry_after(state: _State, item: RateLimitItem, *ids: str) -> int:
    stats = await state.strategy.get_window_stats(item, NAMESPACE, *ids)
    return max(1, math.ceil(stats.reset_time - time.time()))


async def check_attempt(ip: str | None, email: str) -> None:
    """Before checking a password: refuse a locked-out email, then count the attempt
    against the per-IP and per-email rate limits."""
    state = _get()
    if not await state.strategy.test(state.failures, NAMESPACE, "fail", email):
        retry = await _retry_after(state, state.failures, "fail", email)
        minutes = math.ceil(retry / 60)
        raise TooManyRequests(
            f"Too many failed sign-ins; try again in {minutes} minutes.",
            code="login_locked",
            details={"retryAfter": retry},
            headers={"Retry-After": str(retry)},
        )
    for item in state.attempts:
        for ids in (("ip", ip or "unknown"), ("email", email)):
            if not await state.strategy.hit(item, NAMESPACE, *ids):
                retry = await _retry_after(state, item, *ids)
                raise ratelimits.too_many(
                    f"Too many sign-in attempts; try again in {retry} s.",
                    "login_rate_limited",
                    retry,
                )


async def record_failure(email: str) -> None:
    state = _get()
    await state.strategy.hit(state.failures, NAMESPACE, "fail", email)


async def clear_failures(email: str) -> None:
    state = _get()
    await state.strategy.clear(state.failures, NAMESPACE, "fail", email)
