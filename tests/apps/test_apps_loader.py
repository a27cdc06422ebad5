"""Reading app files safely: lines for every value, YAML bombs, tags, sizes, paths, symlinks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from inset.apps import loader
from inset.apps.loader import AppFolder, parse_yaml, path_problem
from inset.apps.validation import validate_app_dir

from .conftest import WriteApp, line_of


@pytest.fixture(autouse=True, params=[c.__name__ for c in loader._LOADERS])
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test with libyaml's parser and with the pure-Python one."""
    chosen = next(c for c in loader._LOADERS if c.__name__ == request.param)
    monkeypatch.setattr(loader, "_Loader", chosen)


def test_libyaml_is_used_when_available() -> None:
    assert [c.__name__ for c in loader._LOADERS] == (
        ["_CLoader", "_PyLoader"] if yaml.__with_libyaml__ else ["_PyLoader"]
    )


DOC = """\
title: Inventory
components:
  - {id: search, type: text_input}
  - id: table
    type: table
    sql: |
      select 1
      from {{ x }}
    columns:
      - key: sku
"""


def test_every_value_keeps_its_line() -> None:
    doc, issues = parse_yaml(DOC, "page.yaml")
    assert issues == [] and doc is not None
    assert doc.data["components"][1]["columns"] == [{"key": "sku"}]
    assert doc.line(("title",)) == 1
    assert doc.line(("components", 0, "id")) == 3
    assert doc.line(("components", 1)) == 4
    assert doc.line(("components", 1, "type")) == 5
    assert doc.line(("components", 1, "columns", 0, "key")) == 10
    assert doc.key_line(("components",)) == 2 and doc.line(("components",)) == 3
    assert doc.line(("components", 1, "nope", "deeper")) == 4  # nearest known ancestor
    sql = doc.data["components"][1]["sql"]
    assert doc.text_line(("components", 1, "sql"), sql, sql.index("{{")) == 8


def test_billion_laughs_is_refused_quickly() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, name in enumerate("bcdefghijklmnop"):
        prev = "abcdefghijklmnop"[i]
        bomb += f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    started = time.monotonic()
    doc, issues = parse_yaml(bomb, "app.yaml")
    assert time.monotonic() - started < 1
    assert doc is None
    assert [(i.line, i.message) for i in issues] == [
        (2, "YAML aliases (*name) are not allowed in app files")
    ]
    assert issues[0].hint is not None and "anchor" in issues[0].hint


def test_merge_keys_are_refused_too() -> None:
    doc, issues = parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n", "p.yaml")
    assert doc is None and issues[0].line == 3 and "aliases" in issues[0].message


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    doc, issues = parse_yaml("[" * 100 + "]" * 100, "p.yaml")
    assert doc is None
    assert issues[0].message == f"YAML nested deeper than {loader.MAX_YAML_DEPTH} levels"
    doc, issues = parse_yaml("[" * 50_000 + "]" * 50_000, "p.yaml")
    assert doc is None and "nest" in issues[0].message


def test_too_many_values_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_YAML_NODES", 50)
    doc, issues = parse_yaml("x: [" + ", ".join(["1"] * 60) + "]", "p.yaml")
    assert doc is None and "too many YAML values" in issues[0].message


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\nb: !custom 1\n"
    doc, issues = parse_yaml(text, "p.yaml")
    assert not marker.exists()
    assert doc is not None and doc.data == {"a": None, "b": None}
    assert [(i.line, i.message[:24]) for i in issues] == [
        (1, "unsupported YAML tag tag"),
        (2, "unsupported YAML tag !cu"),
    ]


def test_scalars_become_json_values() -> None:
    doc, issues = parse_yaml(
        "s: text\ni: 42\nf: 1.5\nb: true\nn: ~\nd: 2024-01-02\nk:\n  1: one\n", "p.yaml"
    )
    assert issues == [] and doc is not None
    assert doc.data == {
        "s": "text", "i": 42, "f": 1.5, "b": True, "n": None, "d": "2024-01-02", "k": {"1": "one"}
    }  # fmt: skip


def test_non_finite_numbers_and_huge_ints_are_refused() -> None:
    doc, issues = parse_yaml("a: .nan\nb: .inf\nc: " + "9" * 5000 + "\n", "p.yaml")
    assert doc is not None
    assert [i.line for i in issues] == [1, 2, 3]


def test_duplicate_keys_and_syntax_errors_have_lines() -> None:
    _, issues = parse_yaml("a: 1\nb: 2\na: 3\n", "p.yaml")
    assert [(i.line, i.message) for i in issues] == [(3, "duplicate key 'a' (first at line 1)")]
    doc, issues = parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "p.yaml")
    assert doc is None and issues[0].message.startswith("invalid YAML") and issues[0].line >= 2


def test_control_characters_are_refused_with_their_line() -> None:
    doc, issues = parse_yaml("a: 1\nb: x\x07y\n", "p.yaml")
    assert doc is None
    [issue] = issues
    assert issue.line == 2 and issue.message.startswith("invalid YAML: ")
    assert issue.message.endswith("characters are not allowed (character #x0007)")


def test_complex_keys_are_refused() -> None:
    _, issues = parse_yaml("? [a, b]\n: 1\n", "p.yaml")
    assert issues[0].message == "a key must be plain text, not a list or mapping"


def test_empty_file_is_a_none_document() -> None:
    doc, issues = parse_yaml("# nothing\n", "p.yaml")
    assert issues == [] and doc is not None and doc.data is None


@pytest.mark.parametrize(
    ("relative", "problem"),
    [
        ("../x.sql", "no '..'"),
        ("queries/../../x.sql", "no '..'"),
        ("/etc/passwd", "relative"),
        ("C:/x.sql", "relative"),
        ("queries\\x.sql", "forward slashes"),
        ("", "empty"),
        ("a\x00b", "empty"),
    ],
)
def test_path_problems(relative: str, problem: str) -> None:
    found = path_problem(relative)
    assert found is not None and problem in found
    assert path_problem("queries/x.sql") is None


def test_symlink_leaving_the_folder_is_refused(write_app: WriteApp, tmp_path: Path) -> None:
    secret = tmp_path / "secret.sql"
    secret.write_text("SELECT 'secret'")
    directory = write_app()
    (directory / "queries" / "inventory.sql").unlink()
    (directory / "queries" / "inventory.sql").symlink_to(secret)
    issues = validate_app_dir(directory)
    text = (directory / "app.yaml").read_text()
    assert [(i.file, i.line, i.message) for i in issues if i.severity == "error"] == [
        (
            f"{directory}/app.yaml",
            line_of(text, "sql: queries/inventory.sql"),
            "cannot read 'queries/inventory.sql': the file is a symlink that leads outside "
            "the app folder",
        )
    ]


def test_symlinked_page_leaving_the_folder_is_refused(write_app: WriteApp, tmp_path: Path) -> None:
    outside = tmp_path / "page.yaml"
    outside.write_text("title: Outside\n")
    directory = write_app()
    (directory / "pages" / "invoices.yaml").unlink()
    (directory / "pages" / "invoices.yaml").symlink_to(outside)
    errors = [i for i in validate_app_dir(directory) if i.severity == "error"]
    assert len(errors) >= 1
    assert "symlink that leads outside" in errors[0].message
    assert errors[0].file == f"{directory}/app.yaml"


def test_symlink_inside_the_folder_is_fine(write_app: WriteApp) -> None:
    directory = write_app()
    real = directory / "queries" / "real.sql"
    (directory / "queries" / "inventory.sql").rename(real)
    (directory / "queries" / "inventory.sql").symlink_to(real)
    assert validate_app_dir(directory) == []


def test_oversized_file_is_refused(write_app: WriteApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    directory = write_app(files={"queries/inventory.sql": "SELECT 1 -- " + "x" * 200 + "\n"})
    folder = AppFolder(directory)
    assert folder.read_text("queries/inventory.sql") is None
    assert "larger than 100 bytes" in folder.issues[0].message


def test_real_size_limit_is_a_megabyte(write_app: WriteApp) -> None:
    directory = write_app(files={"queries/big.sql": "-- " + "x" * 1_000_001})
    folder = AppFolder(directory)
    assert folder.read_text("queries/big.sql") is None
    assert folder.read_text("queries/inventory.sql") is not None


def test_file_count_is_bounded(write_app: WriteApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_APP_FILES", 2)
    directory = write_app()
    errors = [i for i in validate_app_dir(directory) if i.severity == "error"]
    assert any("more than 2 files" in i.message for i in errors)


def test_non_utf8_and_non_regular_files(write_app: WriteApp) -> None:
    directory = write_app()
    (directory / "queries" / "latin1.sql").write_bytes(b"SELECT 1\n-- caf\xe9\n")
    (directory / "queries" / "dir.sql").mkdir()
    folder = AppFolder(directory)
    assert folder.read_text("queries/latin1.sql") is None
    assert folder.read_text("queries/dir.sql") is None
    assert [(i.line, i.message) for i in folder.issues] == [
        (2, "the file is not UTF-8 text"),
        (1, "cannot read 'queries/dir.sql': not a regular file"),
    ]


def test_fifo_is_not_read(write_app: WriteApp) -> None:
    directory = write_app()
    os.mkfifo(directory / "queries" / "pipe.sql")
    folder = AppFolder(directory)
    assert folder.read_text("queries/pipe.sql") is None  # would block forever if opened
    assert "not a regular file" in folder.issues[0].message
