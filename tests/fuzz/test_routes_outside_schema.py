"""The routes that /openapi.json does not describe (pages, static files, the SDK, embed
links) get hypothesis-generated path segments and query strings: never a 5xx, never a
traceback, and a JSON answer always has the one error shape. test_api_schema.py covers
every documented operation; this covers the rest, and fails when a new undocumented route
appears without being added here."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inset.app import create_app
from inset.db import Database
from inset.settings import Settings

# Every GET route outside the schema, as a template with one free segment.
UNDOCUMENTED = {
    "/embed/r/{nonce}": "/embed/r/{}",
    "/embed/s/{session_id}": "/embed/s/{}",
    "/admin": "/admin?{}",
    "/admin/{page:path}": "/admin/{}",
    "/sdk/inset-embed.js": "/sdk/inset-embed.js?{}",
}
MOUNTS = {"/static": "/static/{}", "/admin/static": "/admin/static/{}"}
SCHEMA_ONLY = {"/openapi.json", "/api/docs", "/docs/oauth2-redirect"}

segments = st.one_of(
    st.text(max_size=120).map(lambda s: quote(s, safe="")),
    st.text(max_size=60).map(lambda s: quote(s, safe="/")),  # nested paths
    st.sampled_from(
        [
            "..%2F..%2Fetc%2Fpasswd",
            "%2e%2e/%2e%2e/pyproject.toml",
            "....//....//etc/passwd",
            "a" * 5000,
            "%00",
            "%ff%fe",
            "inse_" + "A" * 43,
            "x?redirect=https://evil.example",
        ]
    ),
)


def undocumented_routes(app: object) -> set[str]:
    """GET routes and mounts that the OpenAPI document leaves out."""
    documented = set(app.openapi()["paths"])  # type: ignore[attr-defined]
    found: set[str] = set()
    for route in app.routes:  # type: ignore[attr-defined]
        inner = getattr(getattr(route, "original_router", None), "routes", None) or [route]
        for item in inner:
            path = getattr(item, "path", None)
            if path and path not in documented and path not in SCHEMA_ONLY:
                found.add(path)
    return found


def test_the_list_covers_every_undocumented_route(database: Database) -> None:
    app = create_app(Settings(database_url=database.url))
    assert undocumented_routes(app) == set(UNDOCUMENTED) | set(MOUNTS)


def test_undocumented_routes_never_fail(database: Database) -> None:
    # Its own app, engine and event loop (hypothesis calls run() synchronously).
    app = create_app(Settings(database_url=database.url))
    templates = [*UNDOCUMENTED.values(), *MOUNTS.values()]
    seen: dict[str, set[int]] = {template: set() for template in templates}
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    try:
        loop.run_until_complete(stack.enter_async_context(app.router.lifespan_context(app)))
        client = loop.run_until_complete(
            stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )
        )

        @settings(
            max_examples=60,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(template=st.sampled_from(templates), segment=segments)
        def run(template: str, segment: str) -> None:
            response = loop.run_until_complete(client.get(template.format(segment)))
            seen[template].add(response.status_code)
            assert response.status_code < 500, (template, segment, response.text[:300])
            assert "Traceback" not in response.text
            if response.headers.get("content-type", "").startswith("application/json"):
                body = response.json()
                assert set(body) == {"error"} and body["error"]["code"], body
            location = response.headers.get("location", "")
            assert "evil.example" not in location, location

        run()
        # Every route was reached, and answered with its own refusals (not one catch-all).
        assert all(seen.values()), seen
        assert {404, 410} & seen["/embed/r/{}"], seen
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
