"""A tiny app for the dev tests: one page listing the rows of the user's tenant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

APP_UUID = "0b5c7d7e-4f1a-4a55-9b8e-5d2a1c3e9f01"
SLUG = "tenant-rows"
RESOURCE = "tenantdb"
GROUP = "tenants"

APP_YAML = f"""\
uuid: {APP_UUID}
name: Tenant rows
access:
  - {{group: {GROUP}, level: use}}
pages: [rows]
queries:
  rows:
    resource: {RESOURCE}
    sql: |
      SELECT label FROM items WHERE tenant = {{{{ current_user.metadata.tenant }}}}
      ORDER BY label
    trigger: auto
"""

PAGE_YAML = """\
title: Rows
components:
  - {{type: heading, value: {heading}, level: 1}}
  - id: items
    type: table
    data: "{{{{ queries.rows.data }}}}"
    columns: [{{key: label, label: Label}}]
"""

BROKEN_PAGE_YAML = """\
title: Rows
components:
  - {type: heading, value: Broken
  - [unclosed
"""

ROWS = [("alpha-1", "a"), ("alpha-2", "a"), ("beta-1", "b")]


DEFAULT_HEADING = "Tenant rows"


def write_app(root: Path, heading: str = DEFAULT_HEADING) -> Path:
    """The app folder ``root/tenant-rows``."""
    app_dir = root / SLUG
    (app_dir / "pages").mkdir(parents=True, exist_ok=True)
    (app_dir / "app.yaml").write_text(APP_YAML)
    write_page(app_dir, heading)
    return app_dir


def write_page(app_dir: Path, heading: str) -> None:
    (app_dir / "pages" / "rows.yaml").write_text(PAGE_YAML.format(heading=heading))


def write_broken_page(app_dir: Path) -> None:
    (app_dir / "pages" / "rows.yaml").write_text(BROKEN_PAGE_YAML)


def write_tenant_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (label TEXT, tenant TEXT)")
        conn.executemany("INSERT INTO items VALUES (?, ?)", ROWS)
    return path
