# ruff: noqa: E501  (a table of cases and YAML texts reads best one per line)
"""App folders written to tmp dirs: a valid supplier portal that tests then break."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

APP_UUID = "7d3f5c1e-3b1c-4c55-9a43-0e9d8d3c2a10"

APP_YAML = f"""\
uuid: {APP_UUID}
name: Supplier portal
access:
  - {{group: suppliers, level: use}}
  - {{group: supplier-admins, level: edit}}
embed:
  parentOrigins: ["https://app.example.com", "http://localhost:3000"]
theme: {{primaryColor: "#0055ff", radius: 6}}
pages: [inventory, invoices]
queries:
  inventory:
    resource: warehouse
    sql: queries/inventory.sql
    params:
      search: {{type: string, maxLength: 100, nullable: true, value: "{{{{ search.value }}}}"}}
    trigger: auto
  update_stock:
    resource: warehouse
    kind: write
    allowedGroups: [supplier-admins]
    sql: |
      UPDATE stock SET quantity = {{{{ quantity }}}}
      WHERE sku = {{{{ sku }}}} AND supplier_id = {{{{ current_user.metadata.supplierId }}}}
    params:
      quantity: {{type: integer, min: 0, value: "{{{{ stockForm.data.quantity }}}}"}}
      sku: {{type: string, value: "{{{{ stockTable.selectedRow.sku }}}}"}}
  invoices:
    resource: billing
    sql: "SELECT number, amount FROM invoices WHERE supplier_id = {{{{ current_user.metadata.supplierId }}}}"
  customer:
    kind: parent
    selector: customerId
"""

INVENTORY_SQL = """\
-- Stock of the signed-in supplier.
SELECT sku, name, quantity
FROM stock
WHERE supplier_id = {{ current_user.metadata.supplierId }}
  AND name LIKE '%' || {{ search }} || '%'
ORDER BY sku
"""

INVENTORY_PAGE = """\
title: Inventory
components:
  - {id: search, type: text_input, label: Search, placeholder: SKU or name}
  - id: stockTable
    type: table
    data: "{{ queries.inventory.data }}"
    pageSize: 25
    searchable: true
    selectable: single
    columns:
      - {key: sku, label: SKU}
      - {key: quantity, label: Quantity, format: number}
    on_row_select: [{set: search.value, value: "{{ stockTable.selectedRow.sku }}"}]
  - id: refresh
    type: button
    label: Refresh
    on_click: [{run: inventory}]
  - id: stockForm
    type: form
    fields:
      - {name: quantity, type: number_input, label: Quantity, min: 0}
      - {name: note, type: text_input, label: Note}
    on_submit:
      - run: update_stock
        on_success: [{notify: "Saved {{ stockForm.data.quantity }}", level: success}, {run: inventory}]
        on_failure: [{notify: "{{ queries.update_stock.error }}", level: error}]
  - {type: text, value: "Customer: {{ queries.customer.data }} on {{ current_page }}"}
  - id: chart
    type: chart
    kind: bar
    data: "{{ queries.inventory.data }}"
    x: sku
    y: quantity
  - id: more
    type: tabs
    tabs:
      - title: Help
        children:
          - {type: text, value: "**Need help?**"}
          - {id: openHelp, type: button, label: Help, on_click: [{open_modal: helpModal}]}
  - id: helpModal
    type: modal
    title: Help
    children:
      - {type: text, value: Write to us.}
      - {type: button, label: Close, on_click: [{close_modal: helpModal}]}
  - {type: divider}
  - type: button
    label: Export
    on_click: [{download: inventory, format: csv}, {send_to_parent: "{{ stockTable.selectedRow }}"}]
"""

INVOICES_PAGE = """\
title: Invoices
components:
  - {id: invoicesTitle, type: heading, value: Invoices, level: 2}
  - {id: total, type: stat, label: Total, value: "{{ sum(queries.invoices.data) }}", format: currency}
  - {id: invoiceTable, type: table, data: "{{ queries.invoices.data }}"}
  - {id: back, type: button, label: Back, on_click: [{go_to_page: inventory}]}
"""

VALID_FILES: dict[str, str] = {
    "app.yaml": APP_YAML,
    "pages/inventory.yaml": INVENTORY_PAGE,
    "pages/invoices.yaml": INVOICES_PAGE,
    "queries/inventory.sql": INVENTORY_SQL,
}

WriteApp = Callable[..., Path]


def write_files(directory: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return directory


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only occurrence of ``marker`` in ``text``."""
    assert text.count(marker) == 1, f"{marker!r} occurs {text.count(marker)} times"
    return text[: text.index(marker)].count("\n") + 1


@pytest.fixture
def write_app(tmp_path: Path) -> WriteApp:
    """Write the valid app (optionally with edits) as ROOT/SLUG; returns the app folder.

    ``replace={"app.yaml": (old, new)}`` edits one occurrence; ``files={path: text}`` sets
    whole files (None deletes one)."""

    def _write(
        slug: str = "supplier-portal",
        *,
        root: Path | None = None,
        replace: dict[str, tuple[str, str]] | None = None,
        files: dict[str, str | None] | None = None,
    ) -> Path:
        contents = dict(VALID_FILES)
        for relative, (old, new) in (replace or {}).items():
            assert contents[relative].count(old) == 1, f"{old!r} not unique in {relative}"
            contents[relative] = contents[relative].replace(old, new)
        for relative, text in (files or {}).items():
            if text is None:
                contents.pop(relative)
            else:
                contents[relative] = text
        directory = (root or tmp_path / "apps") / slug
        directory.mkdir(parents=True)
        return write_files(directory, contents)

    return _write
