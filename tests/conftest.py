"""Shared fixtures: real metadata databases (SQLite and PostgreSQL), the ASGI app over httpx,
and fresh PostgreSQL / MariaDB databases for resources. Services that are missing make the
tests fail loudly; nothing is skipped."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pymysql
import pytest

_DATA_DIR = Path(tempfile.mkdtemp(prefix="inset-test-"))
os.environ.update(
    {
        "INSET_DATA_DIR": str(_DATA_DIR),
        "INSET_SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "INSET_PUBLIC_URL": "http://testserver",
        "INSET_LOG_LEVEL": "warning",
        # Every test refuses from 127.0.0.1; tests/security enables the limit itself.
        "INSET_AUTH_DENIALS_PER_MINUTE": "0",
    }
)
os.environ.pop("INSET_DATABASE_URL", None)

from inset import migrations  # noqa: E402
from inset.app import create_app  # noqa: E402
from inset.db import Database  # noqa: E402
from inset.resources.connectors import close_all_connectors  # noqa: E402

PG_ADMIN_DSN = os.environ.get("INSET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_HOST = os.environ.get("INSET_TEST_MYSQL_HOST", "127.0.0.1")
RUN_ID = uuid.uuid4().hex[:8]


def pg_sqlalchemy_url(dbname: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite metadata database, copied for each test."""
    path = _DATA_DIR / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL metadata database used as CREATE DATABASE … TEMPLATE."""
    name = f"inset_tpl_{RUN_ID}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        migrations.upgrade(pg_sqlalchemy_url(name))
        yield name
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_metadata_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "inset.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    if backend == "postgres":
        template_name: str = request.getfixturevalue("pg_template")
        name = f"inset_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        request.addfinalizer(lambda: _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return pg_sqlalchemy_url(name)
    raise ValueError(backend)


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated metadata database: SQLite unless parametrized with "postgres"."""
    backend = getattr(request, "param", "sqlite")
    db = Database(_fresh_metadata_url(backend, request, tmp_path))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app over httpx, on the test's metadata database."""
    app = create_app(database=database)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        # The app's lifespan does not run here: close the resource connections it opened
        # (pooled read-only SQLite connections outlive a request), as shutdown would.
        await close_all_connectors()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for use as a resource; yields its libpq DSN."""
    name = f"inset_res_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mysql_database() -> Iterator[str]:
    """A fresh, empty MariaDB database for use as a resource; yields a mysql:// URL."""
    name = f"inset_res_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    conn = pymysql.connect(host=MYSQL_HOST, port=3306, user="root", password="", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        yield f"mysql://root@{MYSQL_HOST}:3306/{name}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_DATA_DIR, ignore_errors=True)
