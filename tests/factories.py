"""Building blocks for tests: groups, tokens and a released app, through our real storage."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from inset.access import service as access
from inset.apps.models import App, Release
from inset.auth import service as auth
from inset.db import Database, utcnow
from inset.queries.compiler import compile_sql

HOST_ORIGIN = "https://host.example"

BASE_BUNDLE: dict[str, Any] = {
    "format": 1,
    "name": "Supplier portal",
    "access": [{"group": "suppliers", "level": "use"}, {"group": "staff", "level": "own"}],
    "embed": {"parentOrigins": [HOST_ORIGIN, "http://127.0.0.1:8701"]},
    "theme": {},
    "pages": [
        {
            "name": "inventory",
            "title": "Inventory",
            "components": [
                {"id": "search", "type": "text_input", "label": "Search"},
                {"id": "stock", "type": "table", "data": "{{ queries.inventory.data }}"},
            ],
        },
        {"name": "invoices", "title": "Invoices", "components": []},
    ],
    "queries": {},
}


def query(sql: str, params: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A bundle query with its compiled SQL, as deploy would store it."""
    params = params or {}
    return {
        "kind": "read",
        "resource": "warehouse",
        "trigger": "auto",
        "allowedGroups": None,
        "params": params,
        "sql": sql,
        "compiled": compile_sql(sql, set(params)),
        **extra,
    }


@dataclass
class World:
    """What most tests need: groups, tokens of each kind, an app with one release."""

    database: Database
    groups: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    app_uuid: str = ""
    app_slug: str = "supplier-portal"
    app_id: int = 0
    release_versions: list[str] = field(default_factory=list)

    async def add_release(self, bundle: dict[str, Any], version: str) -> int:
        async with self.database.session() as session:
            app = await session.get(App, self.app_id)
            assert app is not None
            full = {
                **copy.deepcopy(bundle),
                "uuid": self.app_uuid,
                "slug": self.app_slug,
                "version": version,
            }
            release = Release(
                app_id=app.id, version=version, content_hash=uuid.uuid4().hex, bundle=full
            )
            session.add(release)
            await session.flush()
            app.latest_release_id = release.id
            self.release_versions.append(version)
            return release.id


async def make_world(database: Database, bundle: dict[str, Any] | None = None) -> World:
    world = World(database=database, app_uuid=str(uuid.uuid4()))
    async with database.session() as session:
        for name in ("suppliers", "staff", "outsiders"):
            world.groups[name] = (await access.create_group(session, name)).id
        for name, scopes in {
            "embed": ["embed"],
            "admin": ["admin"],
            "revoked": ["embed"],
            "expired": ["embed"],
        }.items():
            created = await auth.create_token(session, name, scopes)
            world.tokens[name] = created.secret
            if name == "revoked":
                created.token.revoked_at = utcnow()
            if name == "expired":
                created.token.expires_at = utcnow() - timedelta(seconds=1)
        app = App(uuid=world.app_uuid, slug=world.app_slug, name="Supplier portal")
        session.add(app)
        await session.flush()
        world.app_id = app.id
    await world.add_release(bundle or BASE_BUNDLE, "1.0.0")
    return world


def embed_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "landingPageUuid": world.app_uuid,
        "groupIds": [world.groups["suppliers"]],
        "externalIdentifier": "supplier-a-user",
        "userInfo": {"email": "a@supplier.example", "firstName": "Ada"},
        "metadata": {"supplierId": 1},
    }
    body.update(overrides)
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
