# ruff: noqa: E501  (tables of SQL read best one per line)
"""The deploy-time SQL parse check: confident errors with lines, no false positives on
vendor syntax, and deploy refusing a query that does not parse for its resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from inset.access import service as access
from inset.apps import service as apps_service
from inset.db import Database
from inset.errors import ValidationFailed
from inset.queries.analysis import sql_problems
from inset.queries.compiler import compile_sql
from inset.resources import service as resources

from ..apps.conftest import INVENTORY_SQL, VALID_FILES, write_files

VALID: dict[str, list[str]] = {
    "postgres": [
        "select x::int from t where a ILIKE '%' || {{ s }} || '%'",
        "select distinct on (a) a, b from t order by a",
        "select data->>'k', data #>> '{a,b}', tags @> array['x'] from t",
        "select * from t order by v <-> '[1,2]' limit 5",
        "select * from t order by v <#> '[1]'",
        "select |/ 4, @ -5 from t",
        "select count(*) filter (where x > 1) from t",
        "select $$it's$$, $fn$a'b$fn$, E'a\\nb'",
        "select now() at time zone 'utc', interval '1 day', extract(epoch from now())",
        "select * from t for update skip locked",
        "insert into t(a) values ({{ s }}) on conflict (a) do update set a = excluded.a returning id",
        "with recursive r as (select 1 n union all select n + 1 from r where n < 10) select * from r",
        "select * from generate_series(1, 10) g, lateral (select g) s",
        "select * from t where id = any({{ ids }}) and j ?| array['a']",
        "select to_tsvector(a) @@ to_tsquery('x') from t",
        "update t set a = 1 from u where t.id = u.id returning *",
        "select * from unnest(array[1, 2]) with ordinality as u(x, n)",
        "show search_path",
        "explain select 1",
        "select a from t where b in {{ ids }} limit {{ n }} offset {{ n }}",
        "select {{ s }}::uuid, cast({{ s }} as int[])",
    ],
    "mysql": [
        "select `a` from t limit 1, 2",
        "insert into t (a) values ({{ s }}) on duplicate key update a = values(a)",
        "select group_concat(a separator ',') from t where a regexp {{ s }}",
        "select date_add(now(), interval {{ n }} day)",
        "select * from t where match(a) against ('x' in boolean mode)",
        "select /*!40001 SQL_NO_CACHE */ a from t # trailing comment",
        "select a <=> b, a div 2 from t force index (idx) lock in share mode",
        "select a->>'$.x', json_extract(j, '$.a') from t where b = 'it\\'s'",
        "update t set a = 1 order by b limit 3",
        "replace into t values (1)",
        "select @rownum := @rownum + 1 from t",
    ],
    "sqlite": [
        "select a from t where a glob 'x*' and b = {{ s }}",
        "insert or replace into t values ({{ s }})",
        "select json_extract(j, '$.a'), j ->> '$.a' from t",
        "select a is not b, iif(a, 1, 2) from t indexed by idx",
        "select * from t where a notnull and b isnull",
        "with x as materialized (select 1) select * from x",
        "insert into t values (1) on conflict do nothing",
        "pragma table_info(t)",
        "select [a] from t",
    ],
}

BROKEN: list[tuple[str, str, int]] = [
    ("postgres", "select a\nfrom t\nwhere (a = {{ s }}", 3),
    ("postgres", "select a from\nt wher a = 1 and", 2),
    ("postgres", "select a from t where a = 1)", 1),
    ("mysql", "select a from t\nwhere a =", 2),
    ("mysql", "select a b c d from t", 1),
    ("sqlite", "select from where", 1),
    ("sqlite", "-- comment\nselect a\nfrom t where a in ({{ s }}", 3),
    ("postgres", "select a,\n 'unterminated from t", 2),
]


def _compiled(sql: str) -> dict[str, object]:
    return compile_sql(sql, {"s", "ids", "n"})


@pytest.mark.parametrize(("dialect", "sql"), [(d, s) for d, sqls in VALID.items() for s in sqls])
def test_valid_vendor_sql_has_no_problems(dialect: str, sql: str) -> None:
    assert sql_problems(_compiled(sql), dialect) == []


@pytest.mark.parametrize(("dialect", "sql", "line"), BROKEN)
def test_broken_sql_is_reported_at_its_line(dialect: str, sql: str, line: int) -> None:
    problems = sql_problems(_compiled(sql), dialect)
    assert len(problems) == 1
    assert problems[0][0] == line
    assert problems[0][1]


def test_plain_text_and_empty_sql() -> None:
    assert sql_problems("select 1", "sqlite") == []
    assert sql_problems("select (1", "sqlite")[0][0] == 1
    assert sql_problems("   ", "postgres") == [(1, "the SQL is empty")]


def test_statements_it_does_not_judge_are_left_to_the_database() -> None:
    # An unknown first word may be a vendor statement sqlglot does not know.
    assert sql_problems("selec a from t", "postgres") == []
    assert sql_problems("vacuum (verbose, analyze) t", "postgres") == []


def test_dialect_matters() -> None:
    # Backticks are identifiers in MySQL; in PostgreSQL they are not SQL at all.
    assert sql_problems("select `a` from t", "mysql") == []
    assert sql_problems("select `a` from t", "postgres") != []


async def _add(database: Database, name: str, type_: str, url: str) -> None:
    async with database.session() as session:
        await resources.add_resource(session, name, type_, url)


async def _seed(database: Database, tmp_path: Path, warehouse_type: str = "postgres") -> None:
    async with database.session() as session:
        for group in ("suppliers", "supplier-admins"):
            await access.create_group(session, group)
    url = {
        "postgres": "postgresql://u:secret@127.0.0.1:5432/x",
        "mysql": "mysql://u@127.0.0.1:3306/x",
    }
    await _add(
        database, "warehouse", warehouse_type, url.get(warehouse_type, str(tmp_path / "w.db"))
    )
    await _add(database, "billing", "sqlite", str(tmp_path / "b.db"))


async def _deploy(database: Database, path: Path) -> apps_service.DeployReport:
    async with database.session() as session:
        return await apps_service.deploy_directory(session, path)


async def test_deploy_accepts_valid_sql(database: Database, tmp_path: Path) -> None:
    await _seed(database, tmp_path)
    write_files(tmp_path / "apps" / "supplier-portal", dict(VALID_FILES))
    report = await _deploy(database, tmp_path / "apps")
    assert len(report.apps) == 1


async def test_deploy_refuses_sql_that_does_not_parse_in_a_sql_file(
    database: Database, tmp_path: Path
) -> None:
    await _seed(database, tmp_path)
    files = dict(VALID_FILES)
    files["queries/inventory.sql"] = INVENTORY_SQL.replace("ORDER BY sku", "ORDER BY (sku")
    write_files(tmp_path / "apps" / "supplier-portal", files)
    with pytest.raises(ValidationFailed) as raised:
        await _deploy(database, tmp_path / "apps")
    details = raised.value.details
    assert isinstance(details, list) and len(details) == 1
    issue = details[0]
    assert issue["file"].endswith("supplier-portal/queries/inventory.sql")
    assert issue["line"] == 6
    assert "inventory" in issue["message"] and "postgres" in issue["message"]


async def test_deploy_refuses_inline_sql_for_the_resource_dialect(
    database: Database, tmp_path: Path
) -> None:
    # Backticks parse for MySQL but not for PostgreSQL: the resource's type decides.
    files = dict(VALID_FILES)
    files["app.yaml"] = files["app.yaml"].replace("UPDATE stock SET", "UPDATE `stock` SET")
    write_files(tmp_path / "apps" / "supplier-portal", files)
    await _seed(database, tmp_path, warehouse_type="postgres")
    with pytest.raises(ValidationFailed) as raised:
        await _deploy(database, tmp_path / "apps")
    details = raised.value.details
    assert isinstance(details, list) and len(details) == 1
    assert details[0]["file"].endswith("app.yaml")
    assert "update_stock" in details[0]["message"] and "line 1 of its SQL" in details[0]["message"]


async def test_deploy_accepts_mysql_syntax_on_a_mysql_resource(
    database: Database, tmp_path: Path
) -> None:
    files = dict(VALID_FILES)
    files["app.yaml"] = files["app.yaml"].replace("UPDATE stock SET", "UPDATE `stock` SET")
    write_files(tmp_path / "apps" / "supplier-portal", files)
    await _seed(database, tmp_path, warehouse_type="mysql")
    report = await _deploy(database, tmp_path / "apps")
    assert len(report.apps) == 1
