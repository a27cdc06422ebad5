# ruff: noqa: E501  (a table of cases and YAML texts reads best one per line)
"""Every validation rule: a valid app has no issue; each broken variant names file, line
and message (and a hint where there is one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from inset.apps.loader import Issue
from inset.apps.validation import check_apps_root, origin_problem, validate_app_dir

from .conftest import APP_UUID, VALID_FILES, WriteApp, line_of, write_files


def test_valid_app_has_no_issue(write_app: WriteApp) -> None:
    assert validate_app_dir(write_app()) == []


@dataclass
class Case:
    id: str
    file: str
    marker: str | None  # the expected line is the line of this text in the edited file
    message: str
    replace: dict[str, tuple[str, str]] = field(default_factory=dict)
    files: dict[str, str | None] = field(default_factory=dict)
    hint: str | None = None


APP, INV, INVOICES, SQL = (
    "app.yaml",
    "pages/inventory.yaml",
    "pages/invoices.yaml",
    "queries/inventory.sql",
)

CASES = [
    Case("bad_yaml", APP, "Supplier: portal", "invalid YAML",
         replace={APP: ("name: Supplier portal", "name: Supplier: portal: x")}),
    Case("missing_uuid", APP, None, "app.yaml has no uuid",
         replace={APP: (f"uuid: {APP_UUID}\n", "")}),
    Case("bad_uuid", APP, "not-a-uuid", "uuid 'not-a-uuid' is not a UUID",
         replace={APP: (f"uuid: {APP_UUID}", "uuid: not-a-uuid")}),
    Case("missing_name", APP, None, "app.yaml has no name",
         replace={APP: ("name: Supplier portal\n", "")}),
    Case("name_not_text", APP, "name: [a]", "name must be non-empty text",
         replace={APP: ("name: Supplier portal", "name: [a]")}),
    Case("unknown_top_level_key", APP, "theem", "unknown key 'theem' in app.yaml",
         replace={APP: ("pages: [inventory, invoices]", "pages: [inventory, invoices]\ntheem: {}")},
         hint="did you mean 'theme'?"),
    Case("page_listed_but_missing", APP, "pages: [inventory, invoices]",
         "page 'invoices' is listed but pages/invoices.yaml does not exist",
         files={INVOICES: None}),
    Case("page_not_a_mapping", INVOICES, None, "page 'invoices' must be a mapping",
         files={INVOICES: "- just\n- a list\n"}),
    Case("unknown_component_type", INV, "dividr", "unknown component type 'dividr'",
         replace={INV: ("type: divider", "type: dividr")}, hint="did you mean 'divider'?"),
    Case("unknown_prop", INV, "pageSise", "unknown prop 'pageSise' for table",
         replace={INV: ("pageSize: 25", "pageSise: 25")}, hint="did you mean 'pageSize'?"),
    Case("missing_required_prop", INV, "id: refresh", "button is missing required prop 'label'",
         replace={INV: ("    label: Refresh\n", "")}),
    Case("component_without_type", INVOICES, "{id: back,", "component has no type",
         replace={INVOICES: ("type: button, label: Back", "label: Back")}),
    Case("duplicate_id_across_pages", INVOICES, "id: search", "duplicate component id 'search'",
         replace={INVOICES: ("id: invoicesTitle", "id: search")}, hint="inventory.yaml:3"),
    Case("reserved_id", INVOICES, "id: queries", "component id 'queries' is reserved",
         replace={INVOICES: ("id: invoicesTitle", "id: queries")}),
    Case("invalid_id", INVOICES, "id: invoices-title", "component id 'invoices-title' is not a valid name",
         replace={INVOICES: ("id: invoicesTitle", "id: invoices-title")}),
    Case("unknown_component_reference", INV, "stockTabel", "unknown name 'stockTabel'",
         replace={INV: ("{{ stockTable.selectedRow.sku }}", "{{ stockTabel.selectedRow.sku }}")},
         hint="did you mean 'stockTable'?"),
    Case("unknown_query_reference", INVOICES, "invoicez", "unknown query 'invoicez'",
         replace={INVOICES: ("sum(queries.invoices.data)", "sum(queries.invoicez.data)")},
         hint="did you mean 'invoices'?"),
    Case("query_name_without_queries", INVOICES, "{{ invoices }}", "unknown name 'invoices'",
         replace={INVOICES: ("{{ sum(queries.invoices.data) }}", "{{ invoices }}")},
         hint="queries.invoices.data"),
    Case("unknown_query_state", INVOICES, "dta", "a query has no 'dta'",
         replace={INVOICES: ("sum(queries.invoices.data)", "sum(queries.invoices.dta)")},
         hint="did you mean 'data'?"),
    Case("unknown_component_state", INV, "selectedRw", "stockTable (table) has no state 'selectedRw'",
         replace={INV: ("{{ stockTable.selectedRow }}", "{{ stockTable.selectedRw }}")},
         hint="did you mean 'selectedRow'?"),
    Case("unknown_form_field", APP, "quantty", "form stockForm has no field 'quantty'",
         replace={APP: ("stockForm.data.quantity", "stockForm.data.quantty")},
         hint="did you mean 'quantity'?"),
    Case("current_user_in_page", INVOICES, "current_user.email", "is server-only",
         replace={INVOICES: ("value: Invoices, level: 2", 'value: "{{ current_user.email }}", level: 2')}),
    Case("current_user_in_param_value", APP, "search: {type", "is server-only",
         replace={APP: ('value: "{{ search.value }}"',
                        'value: "{{ current_user.metadata.supplierId }}"')}),
    Case("bad_expression", INVOICES, "sum(queries", "bad expression",
         replace={INVOICES: ("{{ sum(queries.invoices.data) }}", "{{ sum(queries.invoices.data }}")}),
    Case("param_without_type", APP, "sku: {value", "param 'sku' has no type",
         replace={APP: ("sku: {type: string, value:", "sku: {value:")}),
    Case("bad_param_type", APP, "type: int,", "param type 'int' is not valid",
         replace={APP: ("type: integer, min: 0", "type: int, min: 0")}, hint="did you mean 'integer'?"),
    Case("bad_param_constraint", APP, "maxLength: -1", "maxLength must be a whole number",
         replace={APP: ("maxLength: 100", "maxLength: -1")}),
    Case("param_default_of_wrong_type", APP, "default: many", "params.quantity.default: must be an integer",
         replace={APP: ("type: integer, min: 0,", "type: integer, min: 0, default: many,")}),
    Case("param_flag_not_boolean", APP, "secret: 1", "secret must be true or false",
         replace={APP: ("type: integer, min: 0,", "type: integer, min: 0, secret: 1,")}),
    Case("date_param_with_bounds", APP, "min: 2024", "unknown key 'min' in param 'sku' (date)",
         replace={APP: ("sku: {type: string,", "sku: {type: date, min: 2024-01-01,")}),
    Case("array_param_without_items", APP, "sku: {type: array", "array param 'sku' has no items",
         replace={APP: ("sku: {type: string,", "sku: {type: array,")}),
    Case("unknown_param_key", APP, "maxLenght", "unknown key 'maxLenght'",
         replace={APP: ("maxLength: 100", "maxLenght: 100")}, hint="did you mean 'maxLength'?"),
    Case("query_without_resource", APP, "  invoices:\n", "query 'invoices' has no resource",
         replace={APP: ("    resource: billing\n", "")}),
    Case("query_without_sql", APP, "  invoices:\n", "query 'invoices' has no sql",
         replace={APP: ('    sql: "SELECT number', '    # sql: "SELECT number')}),
    Case("invalid_query_name", APP, "customer-x:", "query name 'customer-x' is not a valid name",
         replace={APP: ("  customer:\n", "  customer-x:\n")}),
    Case("bad_query_kind", APP, "kind: delete", "query kind 'delete' is not valid",
         replace={APP: ("kind: write", "kind: delete")}),
    Case("parent_without_selector", APP, "  customer:", "parent query 'customer' has no selector",
         replace={APP: ("    selector: customerId\n", "")}),
    Case("parent_with_sql", APP, "sql: SELECT 1", "unknown key 'sql' in parent query",
         replace={APP: ("    selector: customerId\n", "    selector: customerId\n    sql: SELECT 1\n")}),
    Case("sql_file_unknown_param", SQL, "serch", "'serch' is not a declared param",
         replace={SQL: ("{{ search }} || '%'", "{{ serch }} || '%'")}, hint="declared: search"),
    Case("sql_template_in_string", SQL, "'{{ search }}'", "inside a quoted string",
         replace={SQL: ("{{ current_user.metadata.supplierId }}", "'{{ search }}'")}),
    Case("sql_unknown_current_user_field", SQL, "current_user.name", "unknown current_user field",
         replace={SQL: ("current_user.metadata.supplierId", "current_user.name")}),
    Case("inline_sql_unknown_param", APP, "skux", "'skux' is not a declared param",
         replace={APP: ("WHERE sku = {{ sku }}", "WHERE sku = {{ skux }}")}),
    Case("read_query_that_writes", APP, "sql: queries/inventory.sql", "read query 'inventory' starts with UPDATE",
         files={SQL: "UPDATE stock SET quantity = 0 WHERE sku = {{ search }}\n"},
         hint="set kind: write"),
    Case("write_without_allowed_groups", APP, "  update_stock:", "write query 'update_stock' has no allowedGroups",
         replace={APP: ("    allowedGroups: [supplier-admins]\n", "")}, hint="denied by default"),
    Case("write_with_empty_allowed_groups", APP, "allowedGroups: []", "has an empty allowedGroups",
         replace={APP: ("allowedGroups: [supplier-admins]", "allowedGroups: []")}),
    Case("write_with_auto_trigger", APP, "    trigger: auto\n    allowedGroups",
         "write query 'update_stock' cannot have trigger: auto",
         replace={APP: ("    kind: write\n", "    kind: write\n    trigger: auto\n")}),
    Case("bad_access_level", APP, "level: admin", "access level 'admin' is not valid",
         replace={APP: ("level: edit", "level: admin")}),
    Case("access_group_id", APP, "group: 42", "group 42 is an id",
         replace={APP: ("group: suppliers,", "group: 42,")}),
    Case("origin_with_path", APP, "app.example.com/embed", "is not an exact origin",
         replace={APP: ('"https://app.example.com"', '"https://app.example.com/embed"')}),
    Case("origin_trailing_slash", APP, "app.example.com/\"", "no path",
         replace={APP: ('"https://app.example.com"', '"https://app.example.com/"')}),
    Case("origin_wildcard", APP, "*.example.com", "wildcards are not allowed",
         replace={APP: ('"https://app.example.com"', '"https://*.example.com"')}),
    Case("origin_default_port", APP, ":443", "without :443",
         replace={APP: ('"https://app.example.com"', '"https://app.example.com:443"')}),
    Case("origin_not_http", APP, "javascript:", "starts with https://",
         replace={APP: ('"https://app.example.com"', '"javascript:alert(1)"')}),
    Case("bad_semver", APP, 'version: "1.2"', "version '1.2' is not a MAJOR.MINOR.PATCH version",
         replace={APP: ("name: Supplier portal", 'name: Supplier portal\nversion: "1.2"')}),
    Case("semver_as_number", APP, "version: 1.2", "not a MAJOR.MINOR.PATCH version",
         replace={APP: ("name: Supplier portal", "name: Supplier portal\nversion: 1.2")},
         hint="quote it"),
    Case("sql_path_escapes", APP, "../../etc/passwd", "no '..'",
         replace={APP: ("sql: queries/inventory.sql", "sql: ../../etc/passwd")}),
    Case("sql_path_absolute", APP, "/etc/passwd.sql", "must be relative",
         replace={APP: ("sql: queries/inventory.sql", "sql: /etc/passwd.sql")}),
    Case("sql_file_missing", APP, "queries/nope.sql", "does not exist",
         replace={APP: ("sql: queries/inventory.sql", "sql: queries/nope.sql")}),
    Case("unknown_action", INV, "rum:", "unknown action 'rum'",
         replace={INV: ("on_click: [{run: inventory}]", "on_click: [{rum: inventory}]")},
         hint="did you mean 'run'?"),
    Case("actions_not_a_list", INVOICES, "on_click: {go", "actions must be a list",
         replace={INVOICES: ("on_click: [{go_to_page: inventory}]", "on_click: {go_to_page: inventory}")}),
    Case("run_unknown_query", INV, "inventroy", "unknown query 'inventroy'",
         replace={INV: ("on_click: [{run: inventory}]", "on_click: [{run: inventroy}]")},
         hint="did you mean 'inventory'?"),
    Case("run_parent_query", INV, "run: customer", "'customer' is a parent query",
         replace={INV: ("on_click: [{run: inventory}]", "on_click: [{run: customer}]")}),
    Case("download_write_query", INV, "download: update_stock", "only read queries can be downloaded",
         replace={INV: ("download: inventory", "download: update_stock")}),
    Case("unknown_action_option", INV, "levl", "unknown key 'levl' in a notify action",
         replace={INV: ("level: success", "levl: success")}, hint="did you mean 'level'?"),
    Case("go_to_unknown_page", INVOICES, "inventori", "unknown page 'inventori'",
         replace={INVOICES: ("go_to_page: inventory", "go_to_page: inventori")}),
    Case("open_modal_not_a_modal", INV, "open_modal: stockTable", "unknown modal 'stockTable'",
         replace={INV: ("open_modal: helpModal", "open_modal: stockTable")}),
    Case("set_not_settable", INV, "set: stockTable.selectedRow", "'stockTable.selectedRow' cannot be set",
         replace={INV: ("set: search.value", "set: stockTable.selectedRow")}),
    Case("set_without_value", INV, "set: search.value", "set action is missing 'value'",
         replace={INV: ('{set: search.value, value: "{{ stockTable.selectedRow.sku }}"}',
                        "{set: search.value}")}),
    Case("form_field_without_name", INV, "{type: text_input, label: Note}", "missing required prop 'name'",
         replace={INV: ("{name: note, type: text_input, label: Note}", "{type: text_input, label: Note}")}),
    Case("form_field_not_an_input", INV, "type: button, label: Note", "a button cannot be a form field",
         replace={INV: ("type: text_input, label: Note", "type: button, label: Note")}),
    Case("duplicate_form_field", INV, "{name: quantity, type: text_input", "field name 'quantity' is used twice",
         replace={INV: ("{name: note, type: text_input", "{name: quantity, type: text_input")}),
    Case("yes_is_not_text", INV, "label: yes", "button.label must be text, not a boolean",
         replace={INV: ("label: Refresh", "label: yes")}, hint="quote it"),
    Case("modal_without_id", INV, "- type: modal", "modal needs an id",
         replace={INV: ("  - id: helpModal\n    type: modal", "  - type: modal")}),
    Case("chart_without_series", INV, "id: chart", "chart needs one of: y, series",
         replace={INV: ("    y: quantity\n", "")}),
    Case("bad_enum", INV, "selectable: many", "table.selectable 'many' is not valid",
         replace={INV: ("selectable: single", "selectable: many")}),
    Case("integer_out_of_range", INV, "pageSize: 0", "table.pageSize must be between 1 and 1000",
         replace={INV: ("pageSize: 25", "pageSize: 0")}),
    Case("unknown_column_key", INV, "labl", "unknown key 'labl'",
         replace={INV: ("{key: sku, label: SKU}", "{key: sku, labl: SKU}")}, hint="did you mean 'label'?"),
    Case("badge_tone_unknown", INV, "badgeColors", "badgeColors.open 'green' is not valid",
         replace={INV: ("{key: sku, label: SKU}", "{key: sku, label: SKU, format: badge, badgeColors: {open: green}}")},
         hint="one of: neutral, success, warning, danger, info"),
    Case("badge_colors_not_a_mapping", INV, "badgeColors", "badgeColors must be a mapping",
         replace={INV: ("{key: sku, label: SKU}", "{key: sku, label: SKU, format: badge, badgeColors: [info]}")}),
    Case("duplicate_yaml_key", INV, "title: Again", "duplicate key 'title' (first at line 1)",
         replace={INV: ("title: Inventory", "title: Inventory\ntitle: Again")}),
    Case("python_tag_refused", INV, "!!python", "unsupported YAML tag",
         replace={INV: ("title: Inventory", "title: !!python/object/apply:os.system [echo hi]")}),
    Case("theme_css_injection", APP, "url(x)", "theme primaryColor",
         replace={APP: ('"#0055ff"', '"red; background: url(x)"')}),
    Case("unknown_theme_key", APP, "primaryColour", "unknown key 'primaryColour' in theme",
         replace={APP: ("primaryColor:", "primaryColour:")}, hint="did you mean 'primaryColor'?"),
]  # fmt: skip


def _find(issues: list[Issue], file: str, line: int, message: str) -> Issue | None:
    for issue in issues:
        if issue.severity == "error" and issue.file == file and issue.line == line:
            if message in issue.message:
                return issue
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(write_app: WriteApp, case: Case) -> None:
    directory = write_app(replace=case.replace, files=case.files)
    issues = validate_app_dir(directory)
    text = (directory / case.file).read_text() if case.marker else ""
    line = line_of(text, case.marker) if case.marker else 1
    found = _find(issues, f"{directory}/{case.file}", line, case.message)
    assert found is not None, "\n".join(i.format() for i in issues)
    if case.hint is not None:
        assert found.hint is not None and case.hint in found.hint, found.format()


def test_every_error_is_reported_not_only_the_first(write_app: WriteApp) -> None:
    directory = write_app(
        replace={
            APP: ("level: edit", "level: admin"),
            INV: ("type: divider", "type: dividr"),
            INVOICES: ("go_to_page: inventory", "go_to_page: nowhere"),
            SQL: ("{{ search }} || '%'", "{{ serch }} || '%'"),
        }
    )
    errors = [i for i in validate_app_dir(directory) if i.severity == "error"]
    files = {Path(i.file).name for i in errors}
    assert files == {"app.yaml", "inventory.yaml", "invoices.yaml", "inventory.sql"}
    assert len(errors) == 4, [i.format() for i in errors]


def test_issue_format_is_file_line_message_hint() -> None:
    issue = Issue("apps/a/app.yaml", 3, "unknown key 'x'", "did you mean 'y'?")
    assert issue.format() == "apps/a/app.yaml:3: unknown key 'x' (hint: did you mean 'y'?)"
    assert Issue("f", 1, "m").format() == "f:1: m"
    assert Issue("f", 1, "m", severity="warning").format() == "f:1: warning: m"


def test_invalid_folder_name_is_not_a_slug(write_app: WriteApp) -> None:
    directory = write_app("Supplier Portal")
    issues = validate_app_dir(directory)
    assert _find(issues, f"{directory}/app.yaml", 1, "is not a valid app slug") is not None


def test_slug_that_looks_like_a_uuid_is_refused(write_app: WriteApp) -> None:
    directory = write_app("0d5d0a86-ed7a-43b3-a587-05c40ee30dec")
    assert _find(validate_app_dir(directory), f"{directory}/app.yaml", 1, "slug") is not None


def test_warnings_do_not_fail_validation(write_app: WriteApp) -> None:
    directory = write_app(
        replace={APP: ('"http://localhost:3000"', '"http://app.example.com"')},
        files={"pages/draft.yaml": "title: Draft\n"},
    )
    issues = validate_app_dir(directory)
    assert all(i.severity == "warning" for i in issues), [i.format() for i in issues]
    messages = {(Path(i.file).name, i.message) for i in issues}
    assert (
        "draft.yaml",
        "page file is not listed in app.yaml pages, so it is not deployed",
    ) in messages
    assert ("app.yaml", "'http://app.example.com' is not https") in messages
    check = check_apps_root(directory)
    assert len(check.apps) == 1 and check.errors == []


def test_unused_param_is_a_warning(write_app: WriteApp) -> None:
    directory = write_app(replace={SQL: ("  AND name LIKE '%' || {{ search }} || '%'\n", "")})
    issues = validate_app_dir(directory)
    assert [(i.severity, i.message) for i in issues] == [
        ("warning", "param 'search' is not used in the SQL of query 'inventory'")
    ]
    text = (directory / APP).read_text()
    assert issues[0].line == line_of(text, "search: {type")


def test_parent_query_needs_no_resource(write_app: WriteApp) -> None:
    check = check_apps_root(write_app())
    assert check.apps[0].queries["customer"] == {"kind": "parent", "selector": "customerId"}


# -- a folder of apps --------------------------------------------------------------------


def test_root_with_one_valid_and_one_invalid_app(write_app: WriteApp, tmp_path: Path) -> None:
    write_app("good")
    bad = write_app(
        "bad",
        replace={
            APP: (f"uuid: {APP_UUID}", "uuid: 11111111-2222-4333-8444-555555555555\nbogus: 1")
        },
    )
    check = check_apps_root(tmp_path / "apps")
    assert [a.slug for a in check.apps] == ["good"]
    assert [i.file for i in check.errors] == [f"{tmp_path / 'apps'}/bad/app.yaml"]
    assert check.errors[0].line == line_of((bad / APP).read_text(), "bogus")


def test_duplicate_uuid_across_apps(write_app: WriteApp, tmp_path: Path) -> None:
    write_app("first")
    write_app("second")
    check = check_apps_root(tmp_path / "apps")
    assert [a.slug for a in check.apps] == ["first"]
    assert len(check.errors) == 1
    error = check.errors[0]
    assert error.file.endswith("second/app.yaml") and error.line == 1
    assert "also used by" in error.message and "first/app.yaml" in error.message


def test_single_app_folder_is_detected(write_app: WriteApp) -> None:
    directory = write_app()
    check = check_apps_root(directory)
    assert [a.slug for a in check.apps] == ["supplier-portal"]


def test_folder_without_apps(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    check = check_apps_root(tmp_path)
    assert [(i.file, i.message) for i in check.errors] == [(str(tmp_path), "no apps found")]
    missing = check_apps_root(tmp_path / "nope")
    assert [i.message for i in missing.errors] == ["not a folder"]


def test_app_folder_symlinked_from_outside_is_refused(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "elsewhere" / "portal", VALID_FILES)
    root = tmp_path / "apps"
    root.mkdir()
    (root / "portal").symlink_to(outside, target_is_directory=True)
    check = check_apps_root(root)
    assert check.apps == []
    assert [i.message for i in check.errors] == ["the app folder is a symlink that leads outside"]


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("https://app.example.com", True),
        ("http://localhost:3000", True),
        ("https://app.example.com:8443", True),
        ("http://[::1]:8080", True),
        ("https://app.example.com/", False),
        ("https://APP.example.com", False),
        ("HTTPS://app.example.com", False),
        ("https://user@app.example.com", False),
        ("https://app.example.com?x=1", False),
        ("https://app.example.com#x", False),
        ("https://app.example.com:99999", False),
        ("http://app.example.com:80", False),
        ("*", False),
        ("null", False),
        ("ftp://app.example.com", False),
        ("https://", False),
        ("https://app_example.com", False),
    ],
)
def test_origin_rules(origin: str, ok: bool) -> None:
    assert (origin_problem(origin) is None) is ok, origin_problem(origin)


TYPED_QUERY = """\
  typed:
    resource: warehouse
    trigger: manual
    sql: SELECT {{ s }}, {{ i }}, {{ n }}, {{ b }}, {{ d }}, {{ t }}, {{ j }}, {{ a }}
    params:
      s: {type: string, minLength: 1, maxLength: 5, pattern: "^[a-z]+$", enum: [ab, cd], value: ab}
      i: {type: integer, min: 0, max: 10, required: false, value: "{{ stockTable.page }}"}
      n: {type: number, min: 0.5, enum: [0.5, 1], nullable: true, value: null}
      b: {type: boolean, default: false}
      d: {type: date, enum: ["2024-01-31"], value: "2024-01-31"}
      t: {type: datetime, secret: true, value: "{{ search.value }}"}
      j: {type: json, value: {a: [1, 2]}}
      a: {type: array, items: {type: integer, nullable: true, min: 0}, maxItems: 5, value: [1, 2]}
  customer:
"""


def test_every_param_type_and_key_validates(write_app: WriteApp) -> None:
    directory = write_app(replace={APP: ("  customer:\n", TYPED_QUERY)})
    assert validate_app_dir(directory) == []
    typed = check_apps_root(directory).apps[0].queries["typed"]
    assert typed["params"]["a"] == {
        "type": "array", "items": {"type": "integer", "nullable": True, "min": 0}, "maxItems": 5,
        "value": [1, 2],
    }  # fmt: skip
    assert [b["param"] for b in typed["compiled"]["bindings"]] == list("sinbdtja")


def test_pages_are_checked_even_when_app_yaml_is_broken(write_app: WriteApp) -> None:
    directory = write_app(
        replace={
            APP: ("name: Supplier portal", "name: Supplier: portal: x"),
            INV: ("type: divider", "type: dividr"),
        }
    )
    errors = [(Path(i.file).name, i.message[:42]) for i in validate_app_dir(directory)]
    assert errors == [
        ("app.yaml", "invalid YAML: mapping values are not allow"),
        ("inventory.yaml", "unknown component type 'dividr'"),
    ]
