"""CSRF on the admin API: with the admin web session cookie (``inset_admin``), every
state-changing request under /api/v1 and /admin/api needs the session's X-CSRF-Token, on
every route (tests/admin covers the sign-in contract itself on one route)."""

from __future__ import annotations

import re

import httpx

from inset.app import create_app
from inset.auth import passwords, throttle
from inset.db import Database
from tests.factories import make_world

EMAIL = "csrf@example.com"
PASSWORD = "a long enough password"
UNSAFE = ("post", "put", "patch", "delete")
OPEN = {"/admin/api/login", "/admin/api/setup"}  # before there is a session to forge


async def test_every_unsafe_admin_route_needs_the_csrf_token(
    client: httpx.AsyncClient, database: Database
) -> None:
    throttle.reset()
    await make_world(database)
    async with database.session() as session:
        await passwords.create_admin_user(session, EMAIL, PASSWORD)
    signed_in = await client.post("/admin/api/login", json={"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    csrf = signed_in.json()["csrfToken"]
    assert "inset_admin" in client.cookies and "httponly" in signed_in.headers["set-cookie"].lower()

    schema = create_app().openapi()
    operations = [
        (method, re.sub(r"\{[^}]+\}", "1", path))
        for path, item in schema["paths"].items()
        if path.startswith(("/api/v1/", "/admin/api/")) and path not in OPEN
        for method in item
        if method in UNSAFE
    ]
    assert len(operations) >= 10, operations
    for method, path in operations:
        for headers in (
            {},  # a cross-site form post: the cookie rides along, no header
            {"X-CSRF-Token": "forged-" + csrf[7:]},
            {"X-CSRF-Token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")},
        ):
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status_code == 403, (method, path, headers, response.text)
            assert response.json()["error"]["code"] == "csrf_failed", (method, path)
    # The same session with its token passes the CSRF check (whatever the route says next).
    made = await client.post(
        "/api/v1/groups", json={"name": "csrf-ok"}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 201, made.text
