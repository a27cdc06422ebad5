"""A world with a real SQLite resource and one query, and live embed sessions in it: what
the fuzz and hostile-input tests attack."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from inset.db import Database
from inset.resources.service import add_resource
from tests.factories import BASE_BUNDLE, World, bearer, embed_body, make_world, query

BOOT = re.compile(r'<script type="application/json" id="inset-boot">(.*?)</script>', re.S)

STOCK_SQL = (
    "select sku, quantity from stock where supplier_id = {{ current_user.metadata.supplierId }}"
    " and sku like '%' || {{ search }} || '%'"
)


def bundle_with_query() -> dict[str, Any]:
    """BASE_BUNDLE plus the query ``inventory`` on the SQLite resource ``warehouse``."""
    return {
        **BASE_BUNDLE,
        "queries": {
            "inventory": query(STOCK_SQL, {"search": {"type": "string", "maxLength": 100}})
        },
    }


async def make_armed_world(database: Database, tmp_path: Path) -> World:
    """make_world with the resource ``warehouse`` (a real SQLite file) and a query on it."""
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stock (sku TEXT, supplier_id INT, quantity INT)")
        conn.executemany("INSERT INTO stock VALUES (?, ?, ?)", [("A-1", 1, 5), ("B-2", 2, 7)])
    conn.close()
    world = await make_world(database, bundle_with_query())
    async with database.session() as session:
        await add_resource(session, "warehouse", "sqlite", str(path))
    return world


async def mint(client: httpx.AsyncClient, world: World, **overrides: Any) -> str:
    """A fresh embed URL's path (``/embed/r/<nonce>``)."""
    minted = await client.post(
        "/api/embed-url/external-user",
        json=embed_body(world, **overrides),
        headers=bearer(world.tokens["embed"]),
    )
    assert minted.status_code == 200, minted.text
    url: str = minted.json()["embedUrl"]
    return "/" + url.split("/", 3)[3]


async def start_session(
    client: httpx.AsyncClient, world: World, **overrides: Any
) -> dict[str, Any]:
    """Mint and redeem a cookieless embed URL; the boot block (``sessionToken``, …)."""
    return boot_of(await client.get(await mint(client, world, **overrides)))


def boot_of(page: httpx.Response) -> dict[str, Any]:
    """The boot block of a cookieless app page."""
    assert page.status_code == 200, page.text
    match = BOOT.search(page.text)
    assert match, page.text
    boot: dict[str, Any] = json.loads(match.group(1))
    return boot


# YAML bombs: exponential aliases (a few KB that would expand to billions of values) and
# nesting far deeper than any app file.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
DEEP = "pages: " + "[" * 5000 + "]" * 5000 + "\n"
