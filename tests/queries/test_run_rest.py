"""REST queries end to end against a real local HTTP server: binding, results, limits,
and SSRF attempts (path traversal, absolute URLs and '@' in params, redirects to another
host, private addresses, decimal and IPv6 host spellings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from inset.db import Database
from inset.errors import InsetError
from inset.queries.rest import compile_rest
from inset.resources.connectors.base import ConnectorError
from inset.resources.connectors.rest import RestConnector, _address_allowed, resolve_host
from inset.resources.schemas import ResourceConfig

from .helpers import LogCapture, Runner, add, audit_events, make_bundle, make_ctx
from .rest_server import LocalServer, serve

TOKEN = "Bearer rest-secret-token-8c1f"
PRIVATE_OK = {"allowPrivateNetwork": True}


@pytest.fixture
def api() -> Iterator[LocalServer]:
    with serve() as server:
        yield server


@pytest.fixture
def other() -> Iterator[LocalServer]:
    with serve() as server:
        yield server


def rest_query(
    path: str,
    params: dict[str, Any] | None = None,
    *,
    method: str = "GET",
    query: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    kind: str = "read",
    resource: str = "api",
    allowed_groups: list[str] | None = None,
) -> dict[str, Any]:
    declared = params or {}
    spec: dict[str, Any] = {"method": method, "path": path, "query": query or {}}
    if body is not None:
        spec["body"] = body
    compiled, problems = compile_rest(spec, set(declared), kind)
    assert problems == [] and compiled is not None
    return {
        "kind": kind,
        "resource": resource,
        "trigger": "manual",
        "allowedGroups": allowed_groups,
        "params": declared,
        "rest": compiled,
    }


async def add_api(database: Database, server: LocalServer, **options: Any) -> None:
    await add(
        database,
        "api",
        "rest",
        f"{server.base}/api/v1",
        headers={"Authorization": TOKEN},
        options=options or PRIVATE_OK,
    )


async def fails(run: Runner, bundle: dict[str, Any], name: str, params: Any = None) -> InsetError:
    with pytest.raises(InsetError) as raised:
        await run(bundle, name, params)
    return raised.value


STR = {"type": "string"}


async def test_list_of_objects_becomes_rows(
    database: Database, run: Runner, api: LocalServer
) -> None:
    await add_api(database, api)
    body = await run(make_bundle(items=rest_query("/items")), "items")
    assert body["rowCount"] == 5 and body["truncated"] is False
    assert [c["name"] for c in body["columns"]] == ["id", "name", "big"]
    assert body["rows"][0] == {"id": 0, "name": "item 0", "big": str(2**60)}
    assert api.hits[0].raw_path == "/api/v1/items"
    assert api.hits[0].headers["authorization"] == TOKEN


async def test_other_json_and_text_become_data(
    database: Database, run: Runner, api: LocalServer, limits: Callable[..., None]
) -> None:
    await add_api(database, api)
    bundle = make_bundle(s=rest_query("/scalar"), t=rest_query("/text"), i=rest_query("/items"))
    assert await run(bundle, "s") == {"data": {"total": 3, "ok": True}}
    assert await run(bundle, "t") == {"data": "plain text"}
    limits(max_rows=2)
    body = await run(bundle, "i")
    assert body["rowCount"] == 2 and body["truncated"] is True


async def test_params_bind_into_path_query_and_body(
    database: Database, run: Runner, api: LocalServer
) -> None:
    await add_api(database, api)
    params = {
        "id": STR,
        "q": STR,
        "n": {"type": "integer"},
        "tags": {"type": "array", "items": STR},
        "flag": {"type": "boolean"},
    }
    query = rest_query(
        "/orders/{{ id }}/lines",
        params,
        method="POST",
        kind="write",
        allowed_groups=["suppliers"],
        query={"q": "{{ q }}", "tag": "{{ tags }}", "fixed": "yes"},
        body={
            "n": "{{ n }}",
            "flag": "{{ flag }}",
            "who": "{{ current_user.metadata.supplierId }}",
        },
    )
    sent = {
        "id": "a b?c#d@e:f",
        "q": "http://evil.example/x?y=1",
        "n": 7,
        "tags": ["x", "y"],
        "flag": True,
    }
    ctx = make_ctx(metadata={"supplierId": 42})
    body = await run(make_bundle(w=query), "w", sent, ctx)
    echo = body["data"]
    assert echo["method"] == "POST"
    assert echo["rawPath"] == "/api/v1/orders/a%20b%3Fc%23d%40e%3Af/lines"
    assert echo["query"] == [
        ["q", "http://evil.example/x?y=1"],
        ["tag", "x"],
        ["tag", "y"],
        ["fixed", "yes"],
    ]
    assert echo["body"] == {"n": 7, "flag": True, "who": 42}
    assert echo["host"] == f"127.0.0.1:{api.port}"
    assert echo["auth"] == TOKEN


@pytest.mark.parametrize(
    "value",
    [
        "..",
        ".",
        "",
        "../../admin",
        "a/b",
        "a\\b",
        "..%2fadmin",
        "%2F",
        "%2e%2e",
        "%5c",
        "http://evil.example/",
        "//evil.example",
        "x\r\nHost: evil",
    ],
)
async def test_path_params_cannot_leave_their_segment(
    database: Database, run: Runner, api: LocalServer, value: str
) -> None:
    await add_api(database, api)
    bundle = make_bundle(o=rest_query("/orders/{{ id }}", {"id": STR}))
    error = await fails(run, bundle, "o", {"id": value})
    assert (error.status_code, error.code, error.field) == (422, "invalid_param", "params.id")
    assert api.hits == []


async def test_at_sign_and_host_spellings_in_params_stay_on_the_resource_host(
    database: Database, run: Runner, api: LocalServer
) -> None:
    await add_api(database, api)
    bundle = make_bundle(o=rest_query("/orders/{{ id }}", {"id": STR}))
    for value in ("@evil.example", "evil.example:80@", "[::1]", "2130706433", "user:pw@evil"):
        await run(bundle, "o", {"id": value})
    assert len(api.hits) == 5
    assert all(hit.raw_path.startswith("/api/v1/orders/") for hit in api.hits)
    assert all(hit.headers["host"] == f"127.0.0.1:{api.port}" for hit in api.hits)
    assert api.hits[0].raw_path == "/api/v1/orders/%40evil.example"


async def test_redirects_are_never_followed(
    database: Database, run: Runner, api: LocalServer, other: LocalServer
) -> None:
    api.redirect_to = f"http://localhost:{other.port}/steal"
    await add_api(database, api)
    error = await fails(run, make_bundle(r=rest_query("/redirect")), "r")
    assert (error.status_code, error.code) == (502, "resource_error")
    assert other.hits == []
    events = await audit_events(database)
    assert events[-1].outcome == "error"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_addresses_are_refused_without_the_option(
    database: Database, run: Runner, api: LocalServer, host: str
) -> None:
    await add(database, "api", "rest", f"http://{host}:{api.port}/api/v1")
    error = await fails(run, make_bundle(i=rest_query("/items")), "i")
    assert (error.status_code, error.code) == (502, "resource_error")
    assert api.hits == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "::",
    ],
)
def test_private_ranges(address: str) -> None:
    assert _address_allowed(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert _address_allowed(address) is True


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f000001", "017700000001", "127.1", "[::ffff:127.0.0.1]", "[::1]"]
)
async def test_decimal_hex_and_ipv6_spellings_of_loopback_are_refused(
    api: LocalServer, host: str
) -> None:
    config = ResourceConfig("api", "production", "rest", f"http://{host}:{api.port}/api/v1")
    connector = RestConnector(config)
    try:
        with pytest.raises(ConnectorError) as raised:
            await connector.request(
                "GET", "/api/v1/items", {}, None, timeout=5, max_rows=10, max_bytes=10_000
            )
    finally:
        await connector.close()
    assert raised.value.kind == "connect"
    assert raised.value.code == "private_address"
    assert api.hits == []


async def test_resolve_host_refuses_loopback_names() -> None:
    with pytest.raises(ConnectorError):
        await resolve_host("localhost", 80, allow_private=False)
    assert await resolve_host("127.0.0.1", 80, allow_private=True) == "127.0.0.1"


async def test_size_limit_timeout_and_upstream_errors(
    database: Database,
    run: Runner,
    api: LocalServer,
    limits: Callable[..., None],
    logs: LogCapture,
) -> None:
    await add_api(database, api)
    bundle = make_bundle(big=rest_query("/big"), slow=rest_query("/slow"), fail=rest_query("/fail"))
    limits(max_bytes=50_000, timeout=30)
    error = await fails(run, bundle, "big")
    assert (error.status_code, error.code) == (502, "resource_error")
    limits(timeout=1)
    error = await fails(run, bundle, "slow")
    assert (error.status_code, error.code) == (504, "query_timeout")
    limits(timeout=30)
    error = await fails(run, bundle, "fail")
    assert (error.status_code, error.code) == (502, "resource_error")
    assert "500" in error.message and "hunter2" not in error.message
    text = logs.text()
    assert "rest-secret-token" not in text and "hunter2" not in text


async def test_rest_query_on_a_sql_resource_and_vice_versa(
    database: Database, run: Runner, api: LocalServer, tmp_path: Any
) -> None:
    await add(database, "db", "sqlite", str(tmp_path / "x.db"))
    await add_api(database, api)
    bundle = make_bundle(r=rest_query("/items", resource="db"))
    error = await fails(run, bundle, "r")
    assert (error.status_code, error.code) == (400, "unsupported_resource")


@pytest.mark.parametrize(
    ("spec", "kind", "key"),
    [
        ({"method": "POST", "path": "/x"}, "read", "method"),
        ({"method": "FETCH", "path": "/x"}, "write", "method"),
        ({"path": "x"}, "read", "path"),
        ({"path": "/a/../b"}, "read", "path"),
        ({"path": "/a/x{{ id }}"}, "read", "path"),
        ({"path": "/a/{{ id }}x"}, "read", "path"),
        ({"path": "/a/{{ nope }}"}, "read", "path"),
        ({"path": "/a?x=1"}, "read", "path"),
        ({"path": "/a", "query": {"x": "a {{ id }}"}}, "read", "query"),
        ({"path": "/a", "query": ["x"]}, "read", "query"),
        ({"path": "/a", "body": {"x": 1}}, "read", "body"),
        ({"method": "POST", "path": "/a", "body": [1]}, "write", "body"),
    ],
)
def test_compile_rest_refuses_bad_declarations(spec: dict[str, Any], kind: str, key: str) -> None:
    compiled, problems = compile_rest(spec, {"id"}, kind)
    assert compiled is None
    assert key in [k for k, _ in problems]


async def test_deploy_accepts_a_rest_query_and_reports_bad_ones(
    database: Database, tmp_path: Any
) -> None:
    from inset.access import service as access
    from inset.apps import service as apps_service
    from inset.errors import ValidationFailed

    from ..apps.conftest import VALID_FILES, write_files

    async with database.session() as session:
        for group in ("suppliers", "supplier-admins"):
            await access.create_group(session, group)
    for name in ("warehouse", "billing"):
        await add(database, name, "sqlite", str(tmp_path / f"{name}.db"))
    await add(database, "api", "rest", "https://api.example.com/v1")
    rest_yaml = (
        "  orders:\n"
        "    resource: api\n"
        "    path: /suppliers/{{ current_user.metadata.supplierId }}/orders\n"
        '    query: {status: "{{ status }}", limit: 50}\n'
        "    params:\n"
        '      status: {type: string, enum: [open, closed], value: "{{ search.value }}"}\n'
    )
    files = dict(VALID_FILES)
    files["app.yaml"] = files["app.yaml"].replace("  customer:\n", rest_yaml + "  customer:\n")
    write_files(tmp_path / "apps" / "portal", files)
    async with database.session() as session:
        report = await apps_service.deploy_directory(session, tmp_path / "apps")
    assert len(report.apps) == 1

    bad = dict(files)
    bad["app.yaml"] = files["app.yaml"].replace("/orders\n", "/orders/../admin\n")
    write_files(tmp_path / "bad" / "portal", bad)
    with pytest.raises(ValidationFailed) as raised:
        async with database.session() as session:
            await apps_service.deploy_directory(session, tmp_path / "bad")
    details = raised.value.details
    assert isinstance(details, list)
    assert any("orders" in d["message"] and "'..'" in d["message"] for d in details)


async def test_resources_test_command_on_a_rest_resource(
    database: Database, api: LocalServer
) -> None:
    from inset.resources import service as resources_service

    await add(database, "open", "rest", f"{api.base}/api/v1/items", options=PRIVATE_OK)
    await add(database, "closed", "rest", f"{api.base}/api/v1/items")
    async with database.session() as session:
        result = await resources_service.test_resource(session, "open")
        assert result.ok and result.type == "rest"
        with pytest.raises(InsetError) as refused:
            await resources_service.test_resource(session, "closed")
    assert refused.value.code == "resource_unavailable"
    assert "allowPrivateNetwork" in refused.value.message
    assert len(api.hits) == 1


async def test_userinfo_in_the_resource_url_is_basic_auth(
    database: Database, run: Runner, api: LocalServer
) -> None:
    import base64

    url = f"http://svc:p%40ss@127.0.0.1:{api.port}/api/v1"
    await add(database, "api", "rest", url, options=PRIVATE_OK)
    body = await run(make_bundle(e=rest_query("/echo")), "e")
    assert body["data"]["auth"] == "Basic " + base64.b64encode(b"svc:p@ss").decode()
    assert body["data"]["host"] == f"127.0.0.1:{api.port}"
