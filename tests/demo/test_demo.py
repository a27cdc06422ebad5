"""`inset demo` without a browser: the sample data, the example app, the demo setup and the
host product talking to the real Inset app (in process, over httpx's ASGI transport)."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer

from inset.app import create_app
from inset.apps.validation import validate_apps_root
from inset.auth import service as auth
from inset.db import Database
from inset.demo import data
from inset.demo import run as demo_run
from inset.demo.host import HostConfig, Secret, create_host_app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "supplier-portal"
HOST_URL = "http://127.0.0.1:8701"
INSET_URL = "http://testserver"  # INSET_PUBLIC_URL in tests/conftest.py


def stock_of(supplier_id: int | None, search: str = "") -> list[tuple[str, str]]:
    """(sku, warehouse) of the stock lines a user should see, from the generated data."""
    rows = data.generate()
    names = {p[0]: str(p[1]) for p in rows.products}
    return sorted(
        (str(s[0]), str(s[2]))
        for s in rows.stock
        if (supplier_id is None or s[1] == supplier_id)
        and (search.lower() in str(s[0]).lower() or search.lower() in names[str(s[0])].lower())
    )


# ------------------------------------------------------------------------- sample data


def test_sample_data_is_deterministic_and_big_enough_to_page(tmp_path: Path) -> None:
    assert data.generate() == data.generate()
    path = tmp_path / "warehouse.db"
    assert data.create_warehouse(path) is True
    assert data.create_warehouse(path) is False  # kept: the demo's data may have changed
    conn = sqlite3.connect(path)
    try:
        names = dict(conn.execute("SELECT id, name FROM suppliers").fetchall())
        assert names == {1: "Acme Tools", 2: "Borealis Foods", 3: "Cobalt Textiles"}
        for supplier_id, prefix in ((1, "ACM-"), (2, "BOR-"), (3, "COB-")):
            skus = [
                r[0]
                for r in conn.execute("SELECT sku FROM stock WHERE supplier_id = ?", (supplier_id,))
            ]
            assert len(skus) > 30 and all(s.startswith(prefix) for s in skus)
            statuses = {
                r[0]
                for r in conn.execute(
                    "SELECT status FROM invoices WHERE supplier_id = ?", (supplier_id,)
                )
            }
            assert {"paid", "open"} <= statuses
            months = conn.execute(
                "SELECT count(DISTINCT month) FROM sales WHERE supplier_id = ?", (supplier_id,)
            ).fetchone()[0]
            assert months == data.SALES_MONTHS
        # stock rows agree with their product's supplier
        mismatched = conn.execute(
            "SELECT count(*) FROM stock s JOIN products p ON p.sku = s.sku "
            "WHERE p.supplier_id != s.supplier_id"
        ).fetchone()[0]
        assert mismatched == 0
    finally:
        conn.close()
    assert data.create_warehouse(path, overwrite=True) is True
    assert not list(tmp_path.glob(".warehouse-*"))  # no temporary file left behind


def test_example_app_is_valid() -> None:
    issues = validate_apps_root(REPO / "examples")
    assert [i.format() for i in issues] == []


def test_example_app_filters_every_query_by_tenant_in_sql() -> None:
    for sql_file in (EXAMPLE / "queries").glob("*.sql"):
        assert "{{ current_user.metadata.supplierId }}" in sql_file.read_text(), sql_file


# ------------------------------------------------------------------------ data dir etc.


def test_prepare_data_dir_refuses_a_folder_it_did_not_create(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(typer.Exit):
        demo_run.prepare_data_dir(foreign, reset=True)
    assert (foreign / "precious.txt").read_text() == "keep me"


def test_prepare_data_dir_reset_starts_over(tmp_path: Path) -> None:
    target = demo_run.prepare_data_dir(tmp_path / "demo", reset=False)
    (target / "inset.db").write_text("old")
    assert demo_run.prepare_data_dir(tmp_path / "demo", reset=False) == target
    assert (target / "inset.db").exists()  # idempotent without --reset
    demo_run.prepare_data_dir(tmp_path / "demo", reset=True)
    assert not (target / "inset.db").exists()
    assert (target / demo_run.MARKER).is_file()


def test_stage_app_allows_the_host_port(tmp_path: Path) -> None:
    default = demo_run.stage_app(EXAMPLE, tmp_path / "a", 8701)
    assert (default / "app.yaml").read_text() == (EXAMPLE / "app.yaml").read_text()
    other = demo_run.stage_app(EXAMPLE, tmp_path / "b", 9123)
    text = (other / "app.yaml").read_text()
    assert '"http://127.0.0.1:9123", "http://localhost:9123"' in text
    assert "8701" not in text
    assert [i.format() for i in validate_apps_root(other)] == []


def test_example_app_is_found_from_the_checkout() -> None:
    assert demo_run.example_app_dir() == EXAMPLE


def test_secret_hides_itself() -> None:
    secret = Secret("ins_topsecret")
    assert "topsecret" not in repr(secret) and "topsecret" not in str(secret)
    config = HostConfig("http://i", "http://i", "app", (HOST_URL,), secret)
    assert "topsecret" not in repr(config)


# --------------------------------------------------------------- setup + host + Inset


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    data.create_warehouse(path)
    return path


@pytest.fixture
def apps_dir(tmp_path: Path) -> Path:
    root = tmp_path / "apps"
    demo_run.stage_app(EXAMPLE, root, 8701)
    return root


async def test_setup_is_idempotent_and_rotates_the_host_token(
    database: Database, warehouse: Path, apps_dir: Path
) -> None:
    first = await demo_run.setup_metadata(database, warehouse, apps_dir)
    second = await demo_run.setup_metadata(database, warehouse, apps_dir)
    assert first.app_uuid == second.app_uuid
    assert first.release_status == "created"
    assert second.release_status == "unchanged" and second.release == first.release
    assert first.token != second.token
    async with database.session() as session:
        tokens = {t.id: t for t in await auth.list_tokens(session)}
        with pytest.raises(Exception, match="revoked"):
            await auth.authenticate_token(session, first.token, "embed")
        assert (await auth.authenticate_token(session, second.token, "embed")).id == second.token_id
    assert tokens[first.token_id].revoked_at is not None
    assert len(tokens) == 2


@asynccontextmanager
async def running(app: Any, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


class World:
    def __init__(self, host: httpx.AsyncClient, inset: httpx.AsyncClient, token: str) -> None:
        self.host, self.inset, self.token = host, inset, token

    async def portal(self, query: str) -> httpx.Response:
        return await self.host.get(f"/?{query}")

    async def session_token(self, query: str) -> str:
        page = await self.portal(query)
        assert page.status_code == 200, page.text
        src = re.search(r'<iframe[^>]* src="([^"]+)"', page.text)
        assert src, page.text
        embed_url = html.unescape(src.group(1))
        assert embed_url.startswith(f"{INSET_URL}/embed/r/")
        redeemed = await self.inset.get(embed_url)
        assert redeemed.status_code == 200
        boot = re.search(
            r'<script type="application/json" id="inset-boot">(.*?)</script>', redeemed.text, re.S
        )
        assert boot
        token: str = json.loads(boot.group(1))["sessionToken"]
        return token

    async def run(self, session: str, query: str, params: dict[str, Any]) -> dict[str, Any]:
        response = await self.inset.post(
            f"/api/runtime/queries/{query}/run",
            json={"params": params},
            headers={"Authorization": f"Bearer {session}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def world(database: Database, warehouse: Path, apps_dir: Path) -> AsyncIterator[World]:
    setup = await demo_run.setup_metadata(database, warehouse, apps_dir)
    inset_app = create_app(database=database)
    async with running(inset_app, INSET_URL) as inset:
        host_app = create_host_app(
            HostConfig(
                inset_url=INSET_URL,
                inset_public_url=INSET_URL,
                app_id=setup.app_uuid,
                parent_origins=(HOST_URL, "http://localhost:8701"),
                token=Secret(setup.token),
            ),
            transport=httpx.ASGITransport(app=inset_app),
        )
        async with running(host_app, HOST_URL) as host:
            yield World(host, inset, setup.token)


def rows_as_pairs(result: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((r["sku"], r["warehouse"]) for r in result["rows"])


@pytest.mark.parametrize("supplier_id", [1, 2, 3])
async def test_each_supplier_sees_only_its_own_stock(world: World, supplier_id: int) -> None:
    session = await world.session_token(f"supplier={supplier_id}")
    result = await world.run(session, "inventory", {"search": ""})
    assert rows_as_pairs(result) == stock_of(supplier_id)
    invoices = await world.run(session, "invoices", {})
    expected = sorted(str(i[0]) for i in data.generate().invoices if i[1] == supplier_id)
    assert sorted(r["number"] for r in invoices["rows"]) == expected


async def test_search_filters_within_the_tenant_only(world: World) -> None:
    session = await world.session_token("supplier=1")
    hammers = await world.run(session, "inventory", {"search": "HAMMER"})
    assert rows_as_pairs(hammers) == stock_of(1, "hammer") != []
    # A product of supplier 2: the search cannot reach across tenants.
    salmon = await world.run(session, "inventory", {"search": "Smoked Salmon"})
    assert salmon["rows"] == []
    # A LIKE wildcard is plain text.
    wildcard = await world.run(session, "inventory", {"search": "%"})
    assert wildcard["rows"] == []


async def test_staff_see_every_supplier(world: World) -> None:
    session = await world.session_token("staff=1")
    result = await world.run(session, "inventory", {"search": ""})
    assert rows_as_pairs(result) == stock_of(None)
    totals = await world.run(session, "invoice_totals", {})
    assert totals["rows"][0]["paid_count"] == sum(
        1 for i in data.generate().invoices if i[5] == "paid"
    )


def quantity_of(warehouse: Path, sku: str, place: str) -> int:
    with sqlite3.connect(warehouse) as conn:
        row = conn.execute(
            "SELECT quantity FROM stock WHERE sku = ? AND warehouse = ?", (sku, place)
        ).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_supplier_corrects_only_its_own_stock(world: World, warehouse: Path) -> None:
    own = next(s for s in data.generate().stock if s[1] == 1)
    other = next(s for s in data.generate().stock if s[1] == 2)
    session = await world.session_token("supplier=1")
    params = {"quantity": 7, "sku": own[0], "warehouse": own[2]}
    assert await world.run(session, "update_stock", params) == {"affectedRows": 1}
    assert quantity_of(warehouse, str(own[0]), str(own[2])) == 7

    # Another supplier's line, named outright: the session's supplierId keeps it out.
    forged = {"quantity": 0, "sku": other[0], "warehouse": other[2]}
    assert await world.run(session, "update_stock", forged) == {"affectedRows": 0}
    assert quantity_of(warehouse, str(other[0]), str(other[2])) == other[3]

    negative = await world.inset.post(
        "/api/runtime/queries/update_stock/run",
        json={"params": {**params, "quantity": -1}},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert negative.status_code == 422
    assert negative.json()["error"]["field"] == "params.quantity"
    assert quantity_of(warehouse, str(own[0]), str(own[2])) == 7


async def test_staff_may_not_write_stock(world: World, warehouse: Path) -> None:
    line = data.generate().stock[0]
    session = await world.session_token("staff=1")
    response = await world.inset.post(
        "/api/runtime/queries/update_stock/run",
        json={"params": {"quantity": 1, "sku": line[0], "warehouse": line[2]}},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "query_forbidden"
    assert quantity_of(warehouse, str(line[0]), str(line[2])) == line[3]


@pytest.mark.parametrize("supplier_id", [1, 3])
async def test_sales_are_the_suppliers_own(world: World, supplier_id: int) -> None:
    sales = [s for s in data.generate().sales if s[2] == supplier_id]
    session = await world.session_token(f"supplier={supplier_id}")
    months = await world.run(session, "sales_by_month", {})
    expected_months = sorted({str(s[0]) for s in sales})[-12:]
    assert [r["month"] for r in months["rows"]] == expected_months
    last = expected_months[-1]
    assert months["rows"][-1]["units"] == sum(int(s[3]) for s in sales if s[0] == last)
    top = await world.run(session, "top_products", {})
    assert sorted(r["sku"] for r in top["rows"]) == sorted({str(s[1]) for s in sales})
    revenues = [float(r["revenue"]) for r in top["rows"]]
    assert revenues == sorted(revenues, reverse=True)


async def test_the_browser_cannot_choose_the_tenant(world: World) -> None:
    session = await world.session_token("supplier=2")
    response = await world.inset.post(
        "/api/runtime/queries/inventory/run",
        json={"params": {"search": "", "supplierId": 1}},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert response.status_code == 422  # unknown param: refused, not ignored


async def test_host_page_is_strict_and_never_shows_the_token(world: World) -> None:
    for query in ("", "supplier=1", "staff=1", "supplier=99"):
        page = await world.portal(query)
        assert world.token not in page.text
        assert "ins_" not in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-src http://testserver" in csp
        assert "frame-ancestors 'none'" in csp
        assert page.headers["cache-control"] == "no-store"
        # no inline script (only src=…) and no inline style
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
        assert " style=" not in page.text and "<style" not in page.text
    assert (await world.portal("supplier=99")).status_code == 404
    index = await world.portal("")
    for supplier in data.SUPPLIERS:
        assert f'href="/?supplier={supplier.id}"' in index.text


async def test_host_parent_origin_follows_the_address_the_browser_used(world: World) -> None:
    page = await world.host.get("/?supplier=1", headers={"host": "localhost:8701"})
    assert page.status_code == 200
    src = html.unescape(re.search(r'<iframe[^>]* src="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    redeemed = await world.inset.get(src)
    assert "frame-ancestors http://localhost:8701" in redeemed.headers["content-security-policy"]


async def test_host_shows_inset_refusals_clearly(
    database: Database, warehouse: Path, apps_dir: Path
) -> None:
    setup = await demo_run.setup_metadata(database, warehouse, apps_dir)
    inset_app = create_app(database=database)

    def host(token: str, app_id: str) -> Any:
        return create_host_app(
            HostConfig(INSET_URL, INSET_URL, app_id, (HOST_URL,), Secret(token)),
            transport=httpx.ASGITransport(app=inset_app),
        )

    async with running(inset_app, INSET_URL):
        async with running(host(setup.token, "no-such-app"), HOST_URL) as client:
            page = await client.get("/?supplier=1")
        assert page.status_code == 502
        assert "HTTP 422" in page.text and "landingPageUuid" in page.text
        assert "<iframe" not in page.text and setup.token not in page.text

        async with database.session() as session:
            await auth.revoke_token(session, setup.token_id)
        async with running(host(setup.token, setup.app_uuid), HOST_URL) as client:
            page = await client.get("/?staff=1")
        assert page.status_code == 502
        assert "HTTP 401" in page.text and "token_revoked" in page.text
        assert setup.token not in page.text


async def test_host_says_when_inset_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = create_host_app(
        HostConfig("http://127.0.0.1:9", INSET_URL, "x", (HOST_URL,), Secret("ins_secret")),
        transport=httpx.MockTransport(refuse),
    )
    async with running(app, HOST_URL) as client:
        page = await client.get("/?supplier=2")
    assert page.status_code == 502
    assert "inset_unreachable" in page.text and "http://127.0.0.1:9" in page.text
    assert "ins_secret" not in page.text


async def test_host_sends_the_embed_call_retool_style() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"embedUrl": f"{INSET_URL}/embed/r/n0nce"})

    app = create_host_app(
        HostConfig("http://inset.internal", INSET_URL, "app-uuid", (HOST_URL,), Secret("ins_t")),
        transport=httpx.MockTransport(answer),
    )
    async with running(app, HOST_URL) as client:
        page = await client.get("/?supplier=1")
    assert page.status_code == 200
    assert 'src="http://testserver/embed/r/n0nce"' in page.text
    (request,) = seen
    assert str(request.url) == "http://inset.internal/api/embed-url/external-user"
    assert request.headers["authorization"] == "Bearer ins_t"
    body = json.loads(request.content)
    assert body["landingPageUuid"] == "app-uuid"
    assert body["groupIds"] == ["suppliers"]
    assert body["externalIdentifier"] == "supplier-1-user"
    assert body["metadata"] == {"supplierId": 1}
    assert body["parentOrigin"] == HOST_URL


async def test_host_refuses_an_embed_url_on_another_origin() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"embedUrl": "https://evil.example/embed/r/x"})

    app = create_host_app(
        HostConfig(INSET_URL, INSET_URL, "a", (HOST_URL,), Secret("ins_t")),
        transport=httpx.MockTransport(answer),
    )
    async with running(app, HOST_URL) as client:
        page = await client.get("/?supplier=1")
    assert page.status_code == 502
    assert "unexpected_embed_url" in page.text and "<iframe" not in page.text
