"""Admin sign-in over httpx on the real ASGI app: sessions, cookie flags, CSRF, lockout and
rate limits, sign-out, the first-run setup, and the external role."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from inset.app import create_app
from inset.audit.models import AuditEvent
from inset.auth import passwords, sessions, throttle
from inset.auth.models import AdminSession, AdminSetupToken, AdminUser
from inset.db import Database, utcnow
from inset.settings import get_settings
from tests.factories import bearer, make_world
from tests.support.live import run_cli, server_env

EMAIL = "root@example.com"
PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    throttle.reset()
    yield
    throttle.reset()


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """setting(NAME, value): an INSET_* variable for this test (settings re-read)."""

    def set_one(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_one
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def admin(database: Database) -> int:
    async with database.session() as session:
        return (await passwords.create_admin_user(session, EMAIL, PASSWORD)).id


async def login(
    client: httpx.AsyncClient, email: str = EMAIL, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/admin/api/login", json={"email": email, "password": password})


async def events(database: Database, type_: str) -> list[AuditEvent]:
    async with database.session() as session:
        return list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.type == type_).order_by(AuditEvent.id)
            )
        )


async def test_login_sets_a_strict_httponly_cookie(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    response = await login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {"id": admin, "email": EMAIL}
    assert len(body["csrfToken"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("inset_admin=insa_")
    for flag in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # INSET_PUBLIC_URL is http in tests
    assert response.headers["cache-control"] == "no-store"
    secret = client.cookies["inset_admin"]
    async with database.session() as session:
        row = await session.scalar(select(AdminSession))
    assert row is not None and row.admin_user_id == admin
    assert row.secret_hash != secret and secret not in row.secret_hash  # only the HMAC
    me = await client.get("/admin/api/me")
    assert me.status_code == 200 and me.json() == body
    [ok] = await events(database, "admin.login")
    assert ok.outcome == "ok" and ok.actor_type == "admin" and ok.actor_id == str(admin)
    assert PASSWORD not in str(ok.data)


async def test_cookie_is_secure_behind_https(database: Database, admin: int, setting) -> None:  # type: ignore[no-untyped-def]
    setting("INSET_PUBLIC_URL", "https://inset.example")
    app = create_app(database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://inset.example") as http:
        response = await login(http)
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    wrong = await login(client, password="not the password")
    unknown = await login(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "inset_admin" not in client.cookies
    denied = await events(database, "admin.login")
    assert [e.outcome for e in denied] == ["denied", "denied"]
    assert [e.data["reason"] for e in denied] == ["wrong_password", "unknown_email"]
    assert (await client.get("/admin/api/me")).status_code == 401


async def test_lockout_after_repeated_failures(
    client: httpx.AsyncClient, database: Database, admin: int, setting
) -> None:  # type: ignore[no-untyped-def]
    setting("INSET_ADMIN_LOGIN_MAX_FAILURES", "3")
    setting("INSET_ADMIN_LOGIN_LOCKOUT_MINUTES", "10")
    for _ in range(3):
        assert (await login(client, password="wrong password!")).status_code == 401
    locked = await login(client)  # even the right password
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "login_locked"
    assert error["message"] == "Too many failed sign-ins; try again in 10 minutes."
    assert int(locked.headers["retry-after"]) <= 600
    # An unknown email is locked out the same way (nothing tells which emails exist).
    for _ in range(3):
        await login(client, email="ghost@example.com")
    ghost = await login(client, email="ghost@example.com")
    assert ghost.status_code == 429 and ghost.json()["error"]["code"] == "login_locked"
    reasons = [e.data["reason"] for e in await events(database, "admin.login")]
    assert reasons.count("login_locked") == 2


async def test_success_clears_the_failure_count(
    client: httpx.AsyncClient, admin: int, setting
) -> None:  # type: ignore[no-untyped-def]
    setting("INSET_ADMIN_LOGIN_MAX_FAILURES", "2")
    await login(client, password="wrong password!")
    assert (await login(client)).status_code == 200
    await login(client, password="wrong password!")
    assert (await login(client)).status_code == 200


async def test_rate_limit_per_ip(client: httpx.AsyncClient, admin: int, setting) -> None:  # type: ignore[no-untyped-def]
    setting("INSET_ADMIN_LOGIN_RATE_LIMIT", "3/minute")
    setting("INSET_ADMIN_LOGIN_MAX_FAILURES", "100")
    statuses = [(await login(client, email=f"user{i}@example.com")).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = await login(client)
    assert limited.json()["error"]["code"] == "login_rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


async def test_logout_revokes_the_session(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    csrf = (await login(client)).json()["csrfToken"]
    secret = client.cookies["inset_admin"]
    refused = await client.post("/admin/api/logout")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    out = await client.post("/admin/api/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert "inset_admin" not in client.cookies
    # The old cookie no longer works anywhere: the session is revoked server-side.
    client.cookies.set("inset_admin", secret)
    assert (await client.get("/admin/api/me")).status_code == 401
    listed = await client.get("/api/v1/tokens")
    assert listed.status_code == 401
    assert listed.json()["error"]["code"] == "admin_session_invalid"
    async with database.session() as session:
        row = await session.scalar(select(AdminSession))
    assert row is not None and row.revoked_at is not None
    assert len(await events(database, "admin.logout")) == 1


async def test_idle_and_absolute_expiry(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    await login(client)
    assert (await client.get("/api/v1/tokens")).status_code == 200
    idle = timedelta(minutes=get_settings().admin_session_idle_minutes + 1)
    async with database.session() as session:
        await session.execute(update(AdminSession).values(last_seen_at=utcnow() - idle))
    assert (await client.get("/api/v1/tokens")).status_code == 401
    await login(client)
    async with database.session() as session:
        await session.execute(
            update(AdminSession)
            .where(AdminSession.revoked_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get("/admin/api/me")).status_code == 401


async def test_csrf_on_unsafe_admin_api_calls(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    csrf = (await login(client)).json()["csrfToken"]
    body = {"name": "ui-made", "scopes": ["embed"]}
    missing = await client.post("/api/v1/tokens", json=body)
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf_failed"
    wrong = await client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": "x" * 64})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "csrf_failed"
    made = await client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    assert (await client.get("/api/v1/tokens")).status_code == 200  # safe: no token needed
    [created] = await events(database, "token.created")
    assert created.actor_type == "admin" and created.actor_id == str(admin)
    denials = [
        e for e in await events(database, "auth.denied") if e.data["reason"] == "csrf_failed"
    ]
    assert len(denials) == 2
    assert {e.actor_type for e in denials} == {"admin"}


async def test_bearer_token_needs_no_csrf(client: httpx.AsyncClient, database: Database) -> None:
    world = await make_world(database)
    made = await client.post(
        "/api/v1/tokens",
        json={"name": "t", "scopes": ["embed"]},
        headers=bearer(world.tokens["admin"]),
    )
    assert made.status_code == 201
    [created] = await events(database, "token.created")
    assert created.actor_type == "token"


async def test_admin_session_reaches_audit_and_deploy_apis(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    await make_world(database)
    await login(client)
    assert (await client.get("/api/v1/audit-events")).status_code == 200
    assert (await client.get("/api/v1/usage")).status_code == 200
    releases = await client.get("/api/v1/apps/supplier-portal/releases")
    assert releases.status_code == 200, releases.text


async def test_shell_headers(client: httpx.AsyncClient) -> None:
    for path in ("/admin", "/admin/groups", "/admin/users/someone"):
        response = await client.get(path)
        assert response.status_code == 200
        assert '<script type="module" src="/admin/static/app.js">' in response.text
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
    static = await client.get("/admin/static/app.js")
    assert static.status_code == 200 and "javascript" in static.headers["content-type"]
    assert (await client.get("/admin/api/nothing")).status_code == 404


# ---- first-run setup ---------------------------------------------------------------------


def client_from(
    database: Database, host: str, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(database=database), client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


SETUP = {"email": "first@example.com", "password": PASSWORD}


async def test_setup_from_loopback_then_refused(database: Database) -> None:
    async with client_from(database, "127.0.0.1") as http:
        status = (await http.get("/admin/api/setup")).json()
        assert status == {"setupRequired": True, "loopback": True}
        short = await http.post("/admin/api/setup", json={**SETUP, "password": "short"})
        assert short.status_code == 400 and short.json()["error"]["field"] == "password"
        made = await http.post("/admin/api/setup", json=SETUP)
        assert made.status_code == 200, made.text
        assert made.json()["user"]["email"] == "first@example.com"
        assert (await http.get("/admin/api/me")).status_code == 200  # signed in
        again = await http.post("/admin/api/setup", json={**SETUP, "email": "second@example.com"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_set_up"
        assert (await http.get("/admin/api/setup")).json()["setupRequired"] is False
    assert len(await events(database, "admin.setup")) == 1


@pytest.mark.parametrize(
    ("host", "headers"),
    [("203.0.113.9", None), ("127.0.0.1", {"X-Forwarded-For": "198.51.100.7"})],
)
async def test_setup_from_elsewhere_needs_a_setup_token(
    database: Database, host: str, headers: dict[str, str] | None
) -> None:
    async with client_from(database, host, headers) as http:
        assert (await http.get("/admin/api/setup")).json()["loopback"] is False
        refused = await http.post("/admin/api/setup", json=SETUP)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "setup_token_required"
        bad = await http.post("/admin/api/setup", json={**SETUP, "setupToken": "inss_nope"})
        assert bad.status_code == 403 and bad.json()["error"]["code"] == "invalid_setup_token"
        async with database.session() as session:
            token = await sessions.create_setup_token(session)
        # A field error does not spend the token.
        short = await http.post(
            "/admin/api/setup", json={**SETUP, "password": "short", "setupToken": token}
        )
        assert short.status_code == 400
        made = await http.post("/admin/api/setup", json={**SETUP, "setupToken": token})
        assert made.status_code == 200, made.text
    async with database.session() as session:
        row = await session.scalar(select(AdminSetupToken))
    assert row is not None and row.used_at is not None and row.token_hash != token


async def test_setup_token_is_single_use_and_expires(database: Database) -> None:
    async with database.session() as session:
        used = await sessions.create_setup_token(session)
        expired = await sessions.create_setup_token(session)
        await session.execute(
            update(AdminSetupToken)
            .where(AdminSetupToken.id == 2)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    async with client_from(database, "203.0.113.9") as http:
        old = await http.post("/admin/api/setup", json={**SETUP, "setupToken": expired})
        assert old.status_code == 403 and old.json()["error"]["code"] == "invalid_setup_token"
        assert (
            await http.post("/admin/api/setup", json={**SETUP, "setupToken": used})
        ).status_code == 200
    # Once used, it cannot create another admin, nor can anything else.
    async with database.session() as session:
        await session.execute(update(AdminSetupToken).values(used_at=None))
    async with client_from(database, "203.0.113.9") as http:
        again = await http.post(
            "/admin/api/setup", json={**SETUP, "email": "x@example.com", "setupToken": used}
        )
        assert again.status_code == 409


async def test_setup_token_cli_refuses_once_an_admin_exists(database: Database, admin: int) -> None:
    from inset.errors import Conflict

    async with database.session() as session:
        with pytest.raises(Conflict):
            await sessions.create_setup_token(session)


# ---- the external instance has no admin UI -----------------------------------------------


@pytest.fixture
async def external_client(database: Database, setting) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    setting("INSET_ROLE", "external")
    transport = httpx.ASGITransport(app=create_app(database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_external_role_refuses_the_admin_ui(
    external_client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    for method, path in [
        ("GET", "/admin"),
        ("GET", "/admin/tokens"),
        ("GET", "/admin/api/me"),
        ("POST", "/admin/api/login"),
        ("POST", "/admin/api/setup"),
    ]:
        response = await external_client.request(method, path, json={})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "internal_only"
    # A valid admin session cookie is not a credential there.
    async with database.session() as session:
        user = await session.get(AdminUser, admin)
        assert user is not None
        signed_in = await sessions.open_session(session, user, sessions.Meta(None, None))
    external_client.cookies.set("inset_admin", signed_in.secret)
    listed = await external_client.get("/api/v1/tokens")
    assert listed.status_code == 401


def test_setup_token_cli(tmp_path: Path) -> None:
    env = server_env(tmp_path, "http://127.0.0.1:9")
    run_cli(env, "db", "upgrade")
    token = run_cli(env, "admin", "setup-token")
    assert token.startswith("inss_") and "\n" not in token
    run_cli(env, "admin", "create-user", "a@example.com", "--password-stdin", stdin=PASSWORD)
    short = subprocess.run(
        [
            sys.executable,
            "-m",
            "inset",
            "admin",
            "create-user",
            "b@example.com",
            "--password-stdin",
        ],
        env=env,
        input="short",
        capture_output=True,
        text=True,
        check=False,
    )
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    again = subprocess.run(
        [sys.executable, "-m", "inset", "admin", "setup-token"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr and again.stdout == ""


# ---- setup and sign-in only for this instance's own host and pages ----------------------


async def test_setup_refuses_a_foreign_host_from_loopback(database: Database) -> None:
    """DNS rebinding: a page at evil.example whose name now resolves to 127.0.0.1 reaches
    the server from the loopback peer, but its requests say Host: evil.example."""
    async with client_from(database, "127.0.0.1", {"Host": "evil.example:8700"}) as http:
        refused = await http.post("/admin/api/setup", json=SETUP)
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "bad_host"
        assert "evil.example:8700" in error["message"] and "127.0.0.1" in error["message"]
        assert "inset_admin" not in http.cookies
    async with database.session() as session:
        assert await sessions.admin_exists(session) is False
    [denied] = await events(database, "auth.denied")
    assert denied.data["reason"] == "bad_host" and denied.data["path"] == "/admin/api/setup"
    assert await events(database, "admin.setup") == []


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://testserver.evil.example",
        "https://testserver",  # the right host, the wrong scheme
        "http://127.0.0.1:3000",  # another local server's page: not the one addressed
        "http://localhost",
        "null",
    ],
)
async def test_setup_refuses_a_foreign_origin(database: Database, origin: str) -> None:
    async with client_from(database, "127.0.0.1", {"Host": "127.0.0.1:8700"}) as http:
        refused = await http.post("/admin/api/setup", json=SETUP, headers={"Origin": origin})
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "bad_origin" and "field" not in error  # a banner, not a field
        assert "http://testserver" in error["message"] and origin in error["message"]
    async with database.session() as session:
        assert await sessions.admin_exists(session) is False
    [denied] = await events(database, "auth.denied")
    assert denied.data["reason"] == "bad_origin"


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:8700", "http://127.0.0.1:8700"),
        ("localhost:8700", "http://localhost:8700"),
        ("[::1]:8700", "http://[::1]:8700"),
        ("127.0.0.1:8700", "http://testserver"),  # a same-host proxy that rewrites Host
        ("testserver", "http://testserver"),  # INSET_PUBLIC_URL's host and origin
        ("127.0.0.1:8700", None),  # curl: no Origin
    ],
)
async def test_setup_from_its_own_host_and_pages(
    database: Database, host: str, origin: str | None
) -> None:
    headers = {"Host": host} | ({"Origin": origin} if origin else {})
    async with client_from(database, "127.0.0.1", headers) as http:
        made = await http.post("/admin/api/setup", json=SETUP)
        assert made.status_code == 200, made.text
    assert len(await events(database, "admin.setup")) == 1


async def test_login_refuses_a_foreign_origin_or_host(
    client: httpx.AsyncClient, database: Database, admin: int
) -> None:
    body = {"email": EMAIL, "password": PASSWORD}
    cross_site = await client.post(
        "/admin/api/login", json=body, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403 and cross_site.json()["error"]["code"] == "bad_origin"
    rebound = await client.post("/admin/api/login", json=body, headers={"Host": "evil.example"})
    assert rebound.status_code == 403 and rebound.json()["error"]["code"] == "bad_host"
    assert "inset_admin" not in client.cookies
    assert [e.data["reason"] for e in await events(database, "auth.denied")] == [
        "bad_origin",
        "bad_host",
    ]
    assert await events(database, "admin.login") == []  # the password was never checked
    ok = await client.post("/admin/api/login", json=body, headers={"Origin": "http://testserver"})
    assert ok.status_code == 200, ok.text
    assert "inset_admin" in client.cookies
