"""The component catalogue is well-formed data, exported as JSON, and agrees with validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from inset.apps.components import ACTIONS, COMPONENTS, FIELD_TYPES, catalogue, catalogue_json
from inset.apps.validation import validate_app_dir, validate_apps_root

from .conftest import WriteApp

PROP_TYPES = {
    "string", "markdown", "number", "integer", "boolean", "enum", "list", "object", "mapping",
    "option", "any", "actions", "components", "fields",
}  # fmt: skip
DESIGN_TYPES = {
    "text", "heading", "stat", "table", "form", "text_input", "number_input", "date_input",
    "select", "multiselect", "checkbox", "switch", "button", "chart", "file_upload", "image",
    "container", "tabs", "modal", "divider",
}  # fmt: skip


def _check_spec(spec: dict[str, Any], where: str) -> None:
    assert spec["type"] in PROP_TYPES, where
    if spec["type"] == "enum":
        assert spec["values"], where
        if "default" in spec:
            assert spec["default"] in spec["values"], where
    if spec["type"] == "list":
        _check_spec(spec["items"], f"{where}[]")
    if spec["type"] == "object":
        for name, prop in spec["props"].items():
            _check_spec(prop, f"{where}.{name}")
    if spec["type"] == "mapping":
        _check_spec(spec["values"], f"{where}{{}}")


def test_catalogue_is_well_formed() -> None:
    assert set(COMPONENTS) == DESIGN_TYPES
    for type_, spec in COMPONENTS.items():
        assert spec["description"], type_
        assert set(spec) <= {
            "description",
            "props",
            "events",
            "state",
            "requireOneOf",
            "requiresId",
        }
        for name, prop in spec["props"].items():
            _check_spec(prop, f"{type_}.{name}")
            assert prop["description"], f"{type_}.{name}"
        assert all(e.startswith("on_") for e in spec["events"]), type_
        assert not set(spec["events"]) & set(spec["props"]), type_
    assert set(ACTIONS) == {
        "run", "set", "notify", "open_modal", "close_modal", "go_to_page", "send_to_parent",
        "download",
    }  # fmt: skip
    assert set(ACTIONS["run"]["options"]) == {"on_success", "on_failure"}
    assert set(FIELD_TYPES) <= set(COMPONENTS)


def test_catalogue_json_round_trips() -> None:
    assert json.loads(catalogue_json()) == json.loads(json.dumps(catalogue()))
    assert json.loads(catalogue_json())["format"] == 1


def _sample(spec: dict[str, Any]) -> Any:
    kind = spec["type"]
    if kind == "enum":
        return spec["values"][0]
    if kind in ("components", "fields"):
        return [{"name": "f", "type": "text_input"}] if kind == "fields" else [{"type": "divider"}]
    if kind == "list" and spec.get("bindable", True) is False:
        item = spec["items"]
        return [{k: _sample(p) for k, p in item["props"].items() if p.get("required")}]
    return {
        "string": "x", "markdown": "x", "number": 1, "integer": 1, "boolean": True, "list": [],
        "object": {}, "option": "x", "any": "x", "actions": [],
    }[kind]  # fmt: skip


@pytest.mark.parametrize("type_", sorted(COMPONENTS))
def test_every_component_with_its_required_props_validates(write_app: WriteApp, type_: str) -> None:
    spec = COMPONENTS[type_]
    component: dict[str, Any] = {"id": f"sample_{type_}", "type": type_}
    for name, prop in spec["props"].items():
        if prop.get("required"):
            component[name] = _sample(prop)
    for group in spec.get("requireOneOf", []):
        component[group[0]] = _sample(spec["props"][group[0]])
    page = yaml.safe_dump({"title": "T", "components": [component]})
    directory = write_app(files={"pages/invoices.yaml": page.replace("sample_", "s")})
    assert validate_app_dir(directory) == []
    # and without each required prop it is an error
    for name, prop in spec["props"].items():
        if prop.get("required"):
            broken = {k: v for k, v in component.items() if k != name}
            page = yaml.safe_dump({"title": "T", "components": [broken]})
            (directory / "pages/invoices.yaml").write_text(page)
            messages = [i.message for i in validate_app_dir(directory)]
            assert f"{type_} is missing required prop '{name}'" in messages


DOCS = Path(__file__).parents[2] / "docs" / "app-format.md"


def test_app_format_doc_covers_the_catalogue() -> None:
    text = DOCS.read_text()
    missing = []
    for type_, spec in COMPONENTS.items():
        names = [f"#### `{type_}`", *(f"`{p}`" for p in spec["props"])]
        names += [f"`{e}`" for e in spec["events"]] + [f"`ID.{s}`" for s in spec["state"]]
        missing += [f"{type_}: {n}" for n in names if n not in text]
    missing += [a for a in ACTIONS if f"| `{a}` |" not in text]
    assert missing == [], "docs/app-format.md lacks: " + ", ".join(missing)


def test_example_apps_validate() -> None:
    examples = Path(__file__).parents[2] / "examples"
    issues = validate_apps_root(examples)
    assert [i.format() for i in issues if i.severity == "error"] == []
