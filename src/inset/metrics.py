"""Prometheus metrics: ``GET /metrics`` in the text exposition format (prometheus-client).

* ``inset_http_requests_total{method,route,status}`` and
  ``inset_http_request_duration_seconds{method,route,status}``: by route *template*
  (``/api/v1/tokens/{token_id}``), never the raw path, and by status class (``2xx`` …), so
  the number of series stays bounded whatever URLs callers try.
* ``inset_query_runs_total{app,outcome}`` and ``inset_query_duration_seconds{app,outcome}``.
* ``inset_embed_urls_minted_total{app,outcome}``, ``inset_embed_redemptions_total{app,outcome}``;
  embed latency is ``inset_http_request_duration_seconds`` of the routes
  ``/api/embed-url/external-user`` and ``/embed/r/{nonce}``.
* ``inset_audit_events_total{type,outcome}``.

The query and embed series are derived from the audit events (``observe_audit_event``, called
once ``audit.service.record``'s transaction commits): every query run and every mint or
redemption is audited, so the two can never disagree, and a rolled-back event counts
nowhere. ``app`` is the app's numeric id (bounded by the number of apps).

Several server processes: each keeps its own counters. Either scrape each process, or set
``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, cleared before start) so that any process
answers for all of them (prometheus-client's multiprocess mode); see docs/deployment.md.

``/metrics`` is refused (404) on an external instance unless INSET_METRICS_ON_EXTERNAL is
true, and needs ``Authorization: Bearer <INSET_METRICS_TOKEN>`` when that is set.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inset.errors import NotFound, Unauthorized
from inset.logs import log
from inset.settings import Settings

REGISTRY = CollectorRegistry()

HTTP_REQUESTS = Counter(
    "inset_http_requests",
    "HTTP requests by route template and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "inset_http_request_duration_seconds",
    "HTTP request latency (until the response is sent) by route template and status class.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
QUERY_RUNS = Counter(
    "inset_query_runs", "Query runs by app and outcome.", ["app", "outcome"], registry=REGISTRY
)
QUERY_LATENCY = Histogram(
    "inset_query_duration_seconds",
    "Query run latency by app and outcome.",
    ["app", "outcome"],
    registry=REGISTRY,
)
EMBED_MINTS = Counter(
    "inset_embed_urls_minted",
    "Embed URL mints by app and outcome.",
    ["app", "outcome"],
    registry=REGISTRY,
)
EMBED_REDEMPTIONS = Counter(
    "inset_embed_redemptions",
    "Embed URL redemptions by app and outcome.",
    ["app", "outcome"],
    registry=REGISTRY,
)
AUDIT_EVENTS = Counter(
    "inset_audit_events",
    "Audit events recorded, by type and outcome.",
    ["type", "outcome"],
    registry=REGISTRY,
)

UNMATCHED = "<unmatched>"
_MINTS = {"embed_url.created": "ok", "embed_url.denied": "denied"}
_REDEMPTIONS = {"session.started": "ok", "session.denied": "denied"}


def observe_audit_event(
    type: str, outcome: str, app_id: int | None, data: dict[str, Any] | None
) -> None:
    """Count one audit event, and the query/embed series it stands for."""
    AUDIT_EVENTS.labels(type, outcome).inc()
    app = str(app_id) if app_id is not None else ""
    if type == "query.run":
        QUERY_RUNS.labels(app, outcome).inc()
        duration = (data or {}).get("durationMs")
        if isinstance(duration, int | float):
            QUERY_LATENCY.labels(app, outcome).observe(duration / 1000)
    elif type in _MINTS:
        EMBED_MINTS.labels(app, _MINTS[type] if outcome == "ok" else outcome).inc()
    elif type in _REDEMPTIONS:
        EMBED_REDEMPTIONS.labels(app, _REDEMPTIONS[type] if outcome == "ok" else outcome).inc()


def route_template(scope: Scope) -> str:
    """The matched route's path template (a mount's prefix), or ``<unmatched>``."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return path if isinstance(path, str) and path else UNMATCHED


class MetricsMiddleware:
    """Pure ASGI: counts every HTTP request by route template, and (INSET_LOG_FORMAT=json)
    logs one ``http_request`` line with its request id, method, route template, status and
    duration. The raw path is never logged: it can hold an embed nonce."""

    def __init__(self, app: ASGIApp, log_requests: bool = False) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = ""

        async def send_status(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        request_id = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope.get("method", "GET")
            route = route_template(scope)
            elapsed = time.perf_counter() - started
            status_class = f"{status // 100}xx"
            HTTP_REQUESTS.labels(method, route, status_class).inc()
            HTTP_LATENCY.labels(method, route, status_class).observe(elapsed)
            if self.log_requests:
                log.info(
                    "http_request",
                    request_id=request_id,
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 1),
                )


def exposition() -> bytes:
    """This process's metrics, or every process's in prometheus multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def check_access(request: Request, settings: Settings) -> None:
    """404 on an external instance (unless allowed); the bearer token when one is set."""
    if settings.role != "internal" and not settings.metrics_on_external:
        raise NotFound("Not Found", code="not_found")
    if settings.metrics_token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        expected = settings.metrics_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), expected):
            raise Unauthorized(
                "Send Authorization: Bearer <INSET_METRICS_TOKEN>.", code="missing_token"
            )


router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format.",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process (or of all, in multiprocess mode)."""
    check_access(request, request.app.state.settings)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
