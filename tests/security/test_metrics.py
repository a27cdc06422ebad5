"""GET /metrics: Prometheus text with request, query, embed and audit series; bounded labels;
refused on an external instance unless allowed; optional bearer token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from inset.app import create_app
from inset.db import Database
from inset.metrics import REGISTRY
from inset.settings import Settings
from tests.factories import bearer
from tests.security.helpers import boot_of, make_armed_world, mint


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(text: str) -> dict[str, list[dict[str, str]]]:
    """Metric family name -> the label sets of its samples."""
    return {
        family.name: [dict(s.labels) for s in family.samples]
        for family in text_string_to_metric_families(text)
    }


async def test_metrics_count_requests_queries_and_embeds(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    world = await make_armed_world(database, tmp_path)
    run_route = "/api/runtime/queries/{name}/run"
    app = str(world.app_id)
    before = {
        "run": sample("inset_http_requests_total", method="POST", route=run_route, status="2xx"),
        "query": sample("inset_query_runs_total", app=str(world.app_id), outcome="ok"),
        "mint": sample("inset_embed_urls_minted_total", app=app, outcome="ok"),
        "redeem": sample("inset_embed_redemptions_total", app=app, outcome="ok"),
        "redeem_bad": sample("inset_embed_redemptions_total", app=app, outcome="denied"),
        "audit": sample("inset_audit_events_total", type="query.run", outcome="ok"),
    }
    url = await mint(client, world)
    boot = boot_of(await client.get(url))
    run = await client.post(
        "/api/runtime/queries/inventory/run",
        json={"params": {"search": "A"}},
        headers=bearer(boot["sessionToken"]),
    )
    assert run.status_code == 200, run.text
    replayed = await client.get(url)
    assert replayed.status_code == 410
    await client.get("/no/such/path/secret-looking-value")

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = scraped(response.text)
    assert (
        sample("inset_http_requests_total", method="POST", route=run_route, status="2xx")
        == before["run"] + 1
    )
    assert (
        sample("inset_query_runs_total", app=str(world.app_id), outcome="ok") == before["query"] + 1
    )
    assert sample("inset_query_duration_seconds_count", app=str(world.app_id), outcome="ok") >= 1
    assert sample("inset_embed_urls_minted_total", app=app, outcome="ok") == before["mint"] + 1
    assert sample("inset_embed_redemptions_total", app=app, outcome="ok") == before["redeem"] + 1
    assert (
        sample("inset_embed_redemptions_total", app=app, outcome="denied")
        == before["redeem_bad"] + 1
    )
    latency = "inset_http_request_duration_seconds_count"
    assert sample(latency, method="POST", route=run_route, status="2xx") >= 1
    assert sample("inset_audit_events_total", type="query.run", outcome="ok") == before["audit"] + 1
    # Route templates only: raw paths (nonces, ids, probes) never become label values.
    routes = {labels["route"] for labels in families["inset_http_requests"]}
    assert run_route in routes and "/embed/r/{nonce}" in routes and "<unmatched>" in routes
    assert not any(url.rsplit("/", 1)[1] in r or "secret-looking" in r for r in routes)
    assert "inset_http_request_duration_seconds" in families


async def test_a_rolled_back_event_counts_nowhere(database: Database) -> None:
    """Metrics follow the audit log: an event whose transaction rolls back is not counted."""
    from inset.audit.service import record

    def count() -> float:
        return sample("inset_audit_events_total", type="test.rolled_back", outcome="ok")

    before = count()
    async with database.sessionmaker() as session:
        await record(session, "test.rolled_back", actor_type="admin", actor_id="1")
        await session.rollback()
    assert count() == before
    async with database.session() as session:
        await record(session, "test.rolled_back", actor_type="admin", actor_id="1")
    assert count() == before + 1


@pytest.mark.parametrize(
    ("settings", "headers", "status"),
    [
        ({"role": "external"}, {}, 404),
        ({"role": "external", "metrics_on_external": True}, {}, 200),
        ({"metrics_token": "scrape-me"}, {}, 401),
        ({"metrics_token": "scrape-me"}, bearer("wrong"), 401),
        ({"metrics_token": "scrape-me"}, bearer("scrape-me"), 200),
    ],
)
async def test_metrics_access(
    database: Database, settings: dict[str, object], headers: dict[str, str], status: int
) -> None:
    app = create_app(Settings(**settings), database=database)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/metrics", headers=headers)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["error"]["code"] in ("not_found", "missing_token")
        assert "inset_" not in response.text


async def test_readyz_checks_the_metadata_database(database: Database) -> None:
    down = Database("postgresql+psycopg://postgres@127.0.0.1:1/inset")  # nothing listens
    for db, status in ((database, 200), (down, 503)):
        app = create_app(database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ready = await http.get("/readyz")
            alive = await http.get("/healthz")
        assert ready.status_code == status, ready.text
        assert alive.status_code == 200 and alive.json()["status"] == "ok"
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}
    await down.dispose()
