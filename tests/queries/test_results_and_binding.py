"""Result encoding, row/byte limits, and how bindings become placeholders."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inset.errors import BadRequest
from inset.queries.compiler import compile_sql, render
from inset.queries.results import QueryResult, RowCollector, encode_value
from inset.queries.service import bind
from inset.resources.connectors import JsonParam

# ------------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (0, 0),
        (2**53 - 1, 2**53 - 1),
        (-(2**53 - 1), -(2**53 - 1)),
        (2**53, "9007199254740992"),
        (-(2**63), "-9223372036854775808"),
        (1.5, 1.5),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (Decimal("12.50"), "12.50"),
        (Decimal("0.1"), "0.1"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("NaN"), "NaN"),
        (Decimal("-Infinity"), "-Infinity"),
        (date(2024, 2, 29), "2024-02-29"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (datetime(2024, 1, 2, 3, 4, 5, 600, tzinfo=UTC), "2024-01-02T03:04:05.000600+00:00"),
        (time(13, 45), "13:45:00"),
        (timedelta(hours=30, minutes=1, seconds=2), "30:01:02"),
        (-timedelta(hours=1, microseconds=5), "-01:00:00.000005"),
        (b"\x00\xff", "AP8="),
        (bytearray(b"ab"), "YWI="),
        (memoryview(b"ab"), "YWI="),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        ({"a": [1, 2**60, Decimal("1.0")]}, {"a": [1, str(2**60), "1.0"]}),
    ],
)
def test_encode_value(value: Any, expected: Any) -> None:
    encoded = encode_value(value)
    assert encoded == expected
    assert type(encoded) is type(expected)
    json.dumps(encoded, allow_nan=False)


def test_row_limit_sets_truncated() -> None:
    collector = RowCollector(["a"], max_rows=2, max_bytes=10_000)
    assert collector.add((1,)) and collector.add((2,))
    assert not collector.add((3,))
    assert collector.result.truncated
    assert collector.result.to_json() == {
        "columns": [{"name": "a"}],
        "rows": [{"a": 1}, {"a": 2}],
        "rowCount": 2,
        "truncated": True,
    }


def test_exactly_max_rows_is_not_truncated() -> None:
    collector = RowCollector(["a"], max_rows=2, max_bytes=10_000)
    collector.add((1,))
    collector.add((2,))
    assert collector.result.to_json()["truncated"] is False


def test_byte_limit_sets_truncated_and_keeps_the_response_under_it() -> None:
    collector = RowCollector(["text"], max_rows=1_000_000, max_bytes=2_000)
    while collector.add(("x" * 100,)):
        pass
    body = collector.result.to_json()
    assert body["truncated"] is True
    assert 10 <= body["rowCount"] < 20
    assert len(json.dumps(body, separators=(",", ":")).encode()) <= 2_000


def test_duplicate_column_names_are_made_unique() -> None:
    collector = RowCollector(["id", "id", "id_2", "name"], max_rows=10, max_bytes=10_000)
    collector.add((1, 2, 3, "x"))
    assert collector.result.columns == ["id", "id_2", "id_2_2", "name"]
    assert collector.result.rows == [{"id": 1, "id_2": 2, "id_2_2": 3, "name": "x"}]


def test_write_result_shape() -> None:
    assert QueryResult(affected_rows=3).to_json() == {"affectedRows": 3}
    with_rows = QueryResult(columns=["id"], rows=[{"id": 1}], affected_rows=1).to_json()
    assert with_rows == {
        "affectedRows": 1,
        "columns": [{"name": "id"}],
        "rows": [{"id": 1}],
        "rowCount": 1,
        "truncated": False,
    }


# ------------------------------------------------------------------- binding

USER = {
    "externalIdentifier": "u1",
    "email": None,
    "firstName": None,
    "lastName": None,
    "groups": ["suppliers", "admins"],
    "metadata": {"supplierId": 42, "regions": ["eu", "us"], "prefs": {"a": 1}},
}


def bound(sql: str, declared: dict[str, Any], values: dict[str, Any]) -> tuple[str, list[Any]]:
    compiled, out = bind("q", compile_sql(sql, declared), declared, values, USER)
    assert len(compiled["parts"]) == len(out) + 1
    return render(compiled, "?", escape_percent=False), out


IDS = {"ids": {"type": "array", "items": {"type": "integer"}}}


def test_array_renders_as_a_parenthesised_list() -> None:
    assert bound("select * from t where id IN {{ ids }}", IDS, {"ids": [1, 2, 3]}) == (
        "select * from t where id IN (?, ?, ?)",
        [1, 2, 3],
    )


def test_author_parentheses_are_not_doubled() -> None:
    assert bound("select * from t where id in ({{ ids }}) and 1=1", IDS, {"ids": [5, 6]}) == (
        "select * from t where id in (?, ?) and 1=1",
        [5, 6],
    )
    assert bound("select * from t where id in ( {{ ids }} )", IDS, {"ids": [5]}) == (
        "select * from t where id in ( ? )",
        [5],
    )


def test_empty_array_matches_nothing_safely() -> None:
    assert bound("select * from t where id in {{ ids }}", IDS, {"ids": []}) == (
        "select * from t where id in (NULL)",
        [],
    )
    assert bound("select * from t where id in ({{ ids }})", IDS, {"ids": []}) == (
        "select * from t where id in (NULL)",
        [],
    )
    assert bound("select * from t where id in {{ ids }}", IDS, {"ids": None}) == (
        "select * from t where id in (NULL)",
        [],
    )


def test_mixed_bindings_keep_their_order() -> None:
    declared = {**IDS, "q": {"type": "string"}, "j": {"type": "json"}}
    sql, values = bound(
        "select {{ q }}, {{ j }} from t where a in {{ ids }} and s = "
        "{{ current_user.metadata.supplierId }} and r in {{ current_user.metadata.regions }} "
        "and g in {{ current_user.groups }} and p = {{ current_user.metadata.prefs }} "
        "and m = {{ current_user.metadata.missing }} and x like '%' || {{ q }}",
        declared,
        {"ids": [1, 2], "q": "x", "j": {"k": [1]}},
    )
    assert sql == (
        "select ?, ? from t where a in (?, ?) and s = ? and r in (?, ?) and g in (?, ?) "
        "and p = ? and m = ? and x like '%' || ?"
    )
    assert values == [
        "x",
        JsonParam({"k": [1]}),
        1,
        2,
        42,
        "eu",
        "us",
        "suppliers",
        "admins",
        JsonParam({"a": 1}),
        None,
        "x",
    ]


def test_percent_is_doubled_for_format_style_drivers() -> None:
    compiled, _ = bind(
        "q",
        compile_sql("select * from t where a like '50%' and b in {{ ids }}", IDS),
        IDS,
        {"ids": [1, 2]},
        USER,
    )
    assert render(compiled, "%s", escape_percent=True) == (
        "select * from t where a like '50%%' and b in (%s, %s)"
    )


@pytest.mark.parametrize(
    "compiled",
    [
        None,
        {"parts": ["a"], "bindings": [{"param": "ids"}]},
        {"parts": ["a", "b"], "bindings": [{"param": "nope"}]},
        {"parts": ["a", "b"], "bindings": [{"user": ["password"]}]},
        {"parts": ["a", "b"], "bindings": [{"sql": "1"}]},
    ],
)
def test_malformed_compiled_sql_is_a_definition_error(compiled: Any) -> None:
    with pytest.raises(BadRequest) as info:
        bind("q", compiled, IDS, {"ids": [1]}, USER)
    assert info.value.code == "bad_query_definition"


@pytest.mark.parametrize("max_bytes", [1024, 1500, 2047, 5000, 9999, 10**6])
@pytest.mark.parametrize("max_rows", [1, 31, 32, 33, 100, 1000])
def test_batched_byte_accounting_cuts_where_row_by_row_does(max_bytes: int, max_rows: int) -> None:
    from inset.queries.results import RowCollector

    rows = [(i, "ü" * (i % 17), None if i % 5 else 2**60, {"k": [i]}) for i in range(120)]

    def collect(batch: int) -> tuple[list[dict[str, Any]], bool, int]:
        collector = RowCollector(["a", "b", "c", "d"], max_rows, max_bytes)
        collector.BATCH = batch
        for row in rows:
            if not collector.add(row):
                break
        result = collector.result
        return result.rows, result.truncated, collector.size

    assert collect(32) == collect(1)
