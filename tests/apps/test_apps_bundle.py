"""From app files to the bundle of docs/architecture.md, its canonical JSON and hash."""

from __future__ import annotations

import json
from typing import Any

from inset.apps.bundle import build_bundle, canonical_json, content_hash
from inset.apps.validation import ValidatedApp, check_apps_root

from .conftest import APP_UUID, INVENTORY_SQL, WriteApp


def _validated(write_app: WriteApp, *args: Any, **edits: Any) -> ValidatedApp:
    check = check_apps_root(write_app(*args, **edits))
    assert check.errors == [], [i.format() for i in check.errors]
    return check.apps[0]


def test_bundle_matches_the_architecture_contract(write_app: WriteApp) -> None:
    bundle = build_bundle(_validated(write_app), "1.2.0")
    assert list(bundle) == [
        "format", "uuid", "slug", "name", "version", "access", "embed", "theme", "pages", "queries"
    ]  # fmt: skip
    assert bundle["format"] == 1
    assert bundle["uuid"] == APP_UUID
    assert bundle["slug"] == "supplier-portal"
    assert bundle["name"] == "Supplier portal"
    assert bundle["version"] == "1.2.0"
    assert bundle["access"] == [
        {"group": "suppliers", "level": "use"},
        {"group": "supplier-admins", "level": "edit"},
    ]
    assert bundle["embed"] == {
        "parentOrigins": ["https://app.example.com", "http://localhost:3000"]
    }
    assert bundle["theme"] == {"primaryColor": "#0055ff", "radius": 6}
    assert [p["name"] for p in bundle["pages"]] == ["inventory", "invoices"]  # pages: order
    inventory_page = bundle["pages"][0]
    assert inventory_page["title"] == "Inventory"
    assert inventory_page["components"][0] == {
        "id": "search", "type": "text_input", "label": "Search", "placeholder": "SKU or name"
    }  # fmt: skip
    assert inventory_page["components"][1]["columns"] == [
        {"key": "sku", "label": "SKU"},
        {"key": "quantity", "label": "Quantity", "format": "number"},
    ]
    assert bundle["queries"]["inventory"] == {
        "kind": "read",
        "resource": "warehouse",
        "trigger": "auto",
        "allowedGroups": None,
        "params": {
            "search": {
                "type": "string", "maxLength": 100, "nullable": True, "value": "{{ search.value }}"
            }
        },
        "sql": INVENTORY_SQL,
        "compiled": {
            "parts": [
                "-- Stock of the signed-in supplier.\nSELECT sku, name, quantity\nFROM stock\n"
                "WHERE supplier_id = ",
                "\n  AND name LIKE '%' || ",
                " || '%'\nORDER BY sku\n",
            ],
            "bindings": [{"user": ["metadata", "supplierId"]}, {"param": "search"}],
        },
    }  # fmt: skip
    write = bundle["queries"]["update_stock"]
    assert write["kind"] == "write" and write["trigger"] == "manual"
    assert write["allowedGroups"] == ["supplier-admins"]
    assert write["sql"].startswith("UPDATE stock SET quantity = {{ quantity }}\n")
    assert write["compiled"]["bindings"] == [
        {"param": "quantity"}, {"param": "sku"}, {"user": ["metadata", "supplierId"]}
    ]  # fmt: skip
    assert len(write["compiled"]["parts"]) == len(write["compiled"]["bindings"]) + 1
    assert bundle["queries"]["customer"] == {"kind": "parent", "selector": "customerId"}


def test_no_sql_is_lost_and_nothing_is_interpolated(write_app: WriteApp) -> None:
    bundle = build_bundle(_validated(write_app), "1.0.0")
    for query in bundle["queries"].values():
        if query["kind"] == "parent":
            continue
        compiled = query["compiled"]
        rebuilt = compiled["parts"][0]
        for binding, part in zip(compiled["bindings"], compiled["parts"][1:], strict=True):
            name = binding.get("param") or "current_user." + ".".join(binding["user"])
            rebuilt += "{{ " + name + " }}" + part
        assert rebuilt == query["sql"]
        assert "{{" not in "".join(compiled["parts"])


def test_bundle_is_json_and_a_copy(write_app: WriteApp) -> None:
    app = _validated(write_app)
    bundle = build_bundle(app, "1.0.0")
    assert json.loads(json.dumps(bundle)) == bundle
    bundle["pages"][0]["components"].clear()
    assert build_bundle(app, "1.0.0")["pages"][0]["components"] != []


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": {"d": [1, "é"], "c": None}}) == (
        '{"a":{"c":null,"d":[1,"é"]},"b":1}'
    )


def test_content_hash_ignores_version_and_key_order(write_app: WriteApp) -> None:
    app = _validated(write_app)
    first = build_bundle(app, "1.0.0")
    second = build_bundle(app, "7.3.9")
    assert content_hash(first) == content_hash(second)
    reordered = dict(reversed(list(first.items())))
    assert content_hash(reordered) == content_hash(first)
    assert len(content_hash(first)) == 64 and int(content_hash(first), 16) >= 0


def test_content_hash_changes_with_content(write_app: WriteApp) -> None:
    base = content_hash(build_bundle(_validated(write_app), "1.0.0"))
    sql_changed = _validated(
        write_app, "other", replace={"queries/inventory.sql": ("ORDER BY sku", "ORDER BY name")}
    )
    changed = build_bundle(sql_changed, "1.0.0")
    changed["slug"] = "supplier-portal"
    assert content_hash(changed) != base
