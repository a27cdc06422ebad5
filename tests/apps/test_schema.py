"""``inset schema``: a valid draft 2020-12 schema, generated from the catalogue, that every
example app passes and that refuses what ``inset validate`` refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from inset.apps.components import ACTIONS, COMPONENTS, FIELD_TYPES
from inset.apps.json_schema import (
    APP_KEY_DOCS,
    PAGE_KEY_DOCS,
    PARAM_KEY_DOCS,
    QUERY_KEY_DOCS,
    app_file_schema,
)
from inset.apps.validation import (
    APP_KEYS,
    PAGE_KEYS,
    PARAM_COMMON_KEYS,
    PARAM_KEYS,
    PARENT_QUERY_KEYS,
    SQL_QUERY_KEYS,
    validate_app_dir,
)
from inset.queries.rest import REST_QUERY_KEYS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APP_UUID = "0b6f4a0e-5d3c-4a3b-9f0e-1c2d3e4f5a6b"


def validator(file: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(app_file_schema(file))


def schema_errors(file: str, data: Any) -> list[str]:
    return [error.message for error in validator(file).iter_errors(data)]


@pytest.mark.parametrize("file", ["app", "page", "query"])
def test_the_schema_is_valid_draft_2020_12(file: str) -> None:
    schema = app_file_schema(file)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema_rs.meta.validate(schema)
    assert schema["$ref"] == f"#/$defs/{file}"


def test_it_is_generated_from_the_catalogue() -> None:
    defs = app_file_schema()["$defs"]
    assert {k.removeprefix("component.") for k in defs if k.startswith("component.")} == set(
        COMPONENTS
    )
    assert {k.removeprefix("field.") for k in defs if k.startswith("field.")} == set(FIELD_TYPES)
    assert {k.removeprefix("action.") for k in defs if k.startswith("action.")} == set(ACTIONS)
    for type_, spec in COMPONENTS.items():
        component = defs[f"component.{type_}"]
        assert component["description"] == spec["description"]
        for prop, prop_spec in spec["props"].items():
            assert component["properties"][prop]["description"] == prop_spec["description"]
        for event in spec["events"]:
            assert event in component["properties"]
    table = defs["component.table"]["properties"]
    assert table["pageSize"]["default"] == COMPONENTS["table"]["props"]["pageSize"]["default"]


def test_every_key_has_hover_help() -> None:
    assert set(APP_KEYS) <= set(APP_KEY_DOCS)
    assert set(PAGE_KEYS) <= set(PAGE_KEY_DOCS)
    assert {*SQL_QUERY_KEYS, *REST_QUERY_KEYS, *PARENT_QUERY_KEYS} <= set(QUERY_KEY_DOCS)
    every_param_key = {*PARAM_COMMON_KEYS, *(k for keys in PARAM_KEYS.values() for k in keys)}
    assert every_param_key <= set(PARAM_KEY_DOCS)


def example_files() -> list[Path]:
    return sorted(
        p
        for p in EXAMPLES.glob("*/**/*.yaml")
        if (p.parent / "app.yaml").exists() or p.parent.name == "pages"
    )


@pytest.mark.parametrize("path", example_files(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_file_passes(path: Path) -> None:
    file = "page" if path.parent.name == "pages" else "app"
    assert schema_errors(file, yaml.safe_load(path.read_text())) == []


def test_examples_are_found() -> None:
    apps = {p.parent.name for p in example_files() if p.name == "app.yaml"}
    assert {"supplier-portal", "customer-settings", "component-gallery", "onboarding"} <= apps


APP = f"""\
uuid: {APP_UUID}
name: Checks
access: [{{group: staff, level: use}}]
pages: [main]
queries:
  docs:
    resource: files
    sql: SELECT name FROM documents
  upload:
    resource: files
    kind: write
    allowedGroups: [staff]
    sql: INSERT INTO documents (name, content) VALUES ({{{{ doc.name }}}}, {{{{ doc }}}})
    params:
      doc: {{type: file, maxBytes: 1000, accept: [.pdf], value: "{{{{ up.value[0] }}}}"}}
"""
PAGE = """\
title: Main
components:
  - {id: up, type: file_upload, label: Document, accept: ".pdf"}
  - {id: go, type: button, label: Upload, on_click: [{run: upload}]}
  - {type: table, data: "{{ queries.docs.data }}"}
"""

# (what to replace, with what, which file the schema checks)
BROKEN = [
    ("type: button", "type: buton", "page"),  # unknown component type
    ("label: Upload,", "label: Upload, colour: red,", "page"),  # unknown prop
    ("label: Upload,", "label: Upload, variant: huge,", "page"),  # bad enum value
    ("[{run: upload}]", "[{launch: upload}]", "page"),  # unknown action
    ("[{run: upload}]", "[{run: upload, then: x}]", "page"),  # unknown action key
    ("{type: table, ", "{type: table, pageSize: 0, ", "page"),  # below the minimum
    ("{type: table, data:", "{type: table, searchable: maybe, data:", "page"),  # not a boolean
    ('accept: ".pdf"}', 'accept: ".pdf", multiple: yes, sizeLimit: 5}', "page"),
    ("{id: go, type: button, label: Upload, ", "{id: go, type: button, ", "page"),  # required
    ("name: Checks", "name: Checks\ncolour: blue", "app"),  # unknown app key
    ("type: file, maxBytes: 1000,", "type: file,", "app"),  # file param without maxBytes
    ("type: file,", "type: blob,", "app"),  # unknown param type
    ("maxBytes: 1000,", "maxBytes: 1000, maxLength: 3,", "app"),  # key of another type
    ("kind: write", "kind: change", "app"),  # unknown query kind
    ("sql: SELECT name", "sq: SELECT name", "app"),  # unknown query key
    ("level: use", "level: admin", "app"),  # unknown access level
]


def write(root: Path, app: str = APP, page: str = PAGE) -> Path:
    folder = root / "checks"
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    (folder / "app.yaml").write_text(app)
    (folder / "pages" / "main.yaml").write_text(page)
    return folder


def validation_errors(folder: Path) -> list[str]:
    return [i.message for i in validate_app_dir(folder) if i.severity == "error"]


def test_the_reference_app_passes_both(tmp_path: Path) -> None:
    assert validation_errors(write(tmp_path)) == []
    assert schema_errors("app", yaml.safe_load(APP)) == []
    assert schema_errors("page", yaml.safe_load(PAGE)) == []


@pytest.mark.parametrize(("old", "new", "file"), BROKEN)
def test_schema_and_validate_refuse_the_same(tmp_path: Path, old: str, new: str, file: str) -> None:
    app, page = (APP, PAGE.replace(old, new)) if file == "page" else (APP.replace(old, new), PAGE)
    assert (app, page) != (APP, PAGE), "the case must change something"
    assert validation_errors(write(tmp_path, app, page)) != []
    data = yaml.safe_load(page if file == "page" else app)
    assert schema_errors(file, data) != []


def test_a_query_alone() -> None:
    query = yaml.safe_load(APP)["queries"]["upload"]
    assert schema_errors("query", query) == []
    assert schema_errors("query", {"kind": "parent", "selector": "customerId"}) == []
    assert schema_errors("query", {"kind": "parent", "selector": "x", "sql": "SELECT 1"}) != []
    assert schema_errors("query", {"sql": "SELECT 1"}) != []  # no resource


def inset(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inset", *args],
        env=dict(os.environ),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_and_writes(tmp_path: Path) -> None:
    printed = inset("schema", "--file", "page")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == app_file_schema("page")
    written = inset("schema", "--output", str(tmp_path / "app.schema.json"))
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "app.schema.json").read_text()) == app_file_schema("app")
    bad = inset("schema", "--file", "widget")
    assert bad.returncode == 2 and "--file must be one of" in bad.stderr
    unwritable = inset("schema", "--output", str(tmp_path / "missing" / "x.json"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
    assert "Traceback" not in bad.stderr + unwritable.stderr


def test_descriptions_show_on_hover() -> None:
    text = textwrap.dedent(json.dumps(app_file_schema()))
    assert "Unique in the app; expressions read the component" in text
    assert "Largest accepted file in bytes" in text
