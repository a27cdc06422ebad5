"""``inset audit verify | export | purge`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from inset.audit import service as audit
from inset.audit.models import AuditEvent
from inset.db import Database, utcnow
from tests.audit.chaining import chain


def run(data_dir: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    env.update({"INSET_DATA_DIR": str(data_dir), "INSET_LOG_LEVEL": "warning", **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "inset", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return tmp_path


async def seed(data_dir: Path, n: int) -> Database:
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'inset.db'}")
    for i in range(n):
        async with database.session() as session:
            await audit.record(session, "test.event", actor_type="system", data={"i": i})
    await chain(database)
    return database


async def test_verify_ok_then_broken(data_dir: Path) -> None:
    database = await seed(data_dir, 6)
    ok = run(data_dir, "audit", "verify")
    assert ok.returncode == 0 and "OK: 6 events" in ok.stdout, ok.stderr
    async with database.session() as session:
        await session.execute(
            update(AuditEvent).where(AuditEvent.seq == 4).values(data={"i": "forged"})
        )
    broken = run(data_dir, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN at seq 4" in broken.stdout
    as_json = json.loads(run(data_dir, "audit", "verify", "--json").stdout)
    assert as_json["ok"] is False and as_json["seq"] == 4 and as_json["checked"] == 3
    async with database.session() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    deleted = run(data_dir, "audit", "verify")
    assert deleted.returncode == 1 and "seq 4 is missing" in deleted.stdout
    await database.dispose()


async def test_export_and_purge(data_dir: Path) -> None:
    fresh = data_dir
    database = await seed(fresh, 3)
    cutoff = utcnow()
    async with database.session() as session:
        await audit.record(session, "test.late", actor_type="system")

    out = fresh / "events.csv"
    exported = run(fresh, "audit", "export", "--format", "csv", "--output", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.read_text().splitlines()[0].startswith("id,seq,occurredAt,type")
    assert len(out.read_text().splitlines()) == 5
    lines = run(fresh, "audit", "export", "--since", cutoff.isoformat()).stdout.splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["test.late"]
    bad = run(fresh, "audit", "export", "--since", "last week")
    assert bad.returncode == 2 and "--since" in bad.stderr
    assert run(fresh, "audit", "export", "--format", "xml").returncode == 2

    no_retention = run(fresh, "audit", "purge")
    assert no_retention.returncode == 2 and "RETENTION" in no_retention.stderr
    purged = run(fresh, "audit", "purge", "--before", cutoff.isoformat())
    assert purged.returncode == 0 and "Deleted 3 events" in purged.stdout, purged.stderr
    verified = run(fresh, "audit", "verify")
    assert verified.returncode == 0 and "OK: 2 events" in verified.stdout, verified.stdout
    async with database.session() as session:
        types = list(await session.scalars(select(AuditEvent.type).order_by(AuditEvent.seq)))
    assert types == ["test.late", "audit.purged"]
    with_retention = run(fresh, "audit", "purge", INSET_AUDIT_RETENTION_DAYS="30")
    assert with_retention.returncode == 0 and "Deleted 0 events" in with_retention.stdout
    assert run(fresh, "audit", "verify").returncode == 0
    await database.dispose()
