"""Query results as JSON that means exactly what the database returned.

Encodings (docs/queries.md, "Result encoding"):

* NULL → ``null``; booleans, strings and floats as themselves;
* integers beyond JavaScript's safe range (``|n| > 2**53 - 1``) → decimal strings, because
  ``JSON.parse`` would silently round them;
* ``Decimal`` (NUMERIC/DECIMAL) → a decimal string such as ``"12.50"``: exact digits and
  scale, never a binary float that turns ``0.1 + 0.2`` money into ``0.30000000000000004``;
* NaN and ±Infinity (floats or numerics) → ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
  (JSON has no such numbers);
* ``date``/``datetime``/``time`` → ISO 8601 strings (an offset only when the database gave
  one); ``timedelta`` (MySQL TIME, PostgreSQL interval) → ``"[-]HH:MM:SS[.ffffff]"``;
* bytes → standard base64 strings; JSON columns → JSON values; UUIDs, network addresses
  and other driver types → their text form.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


def encode_value(value: Any) -> Any:
    """One database value as a JSON-faithful Python value (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, Decimal):
        if value.is_nan():
            return "NaN"
        if value.is_infinite():
            return "Infinity" if value > 0 else "-Infinity"
        return format(value, "f")
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return encode_timedelta(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return str(value)


def encode_timedelta(value: timedelta) -> str:
    """``[-]HH:MM:SS[.ffffff]`` with hours beyond 24 when needed (MySQL TIME's own form)."""
    negative = value < timedelta(0)
    micros = abs(value) // timedelta(microseconds=1)
    seconds, micro = divmod(micros, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    text = f"{'-' if negative else ''}{hours:02d}:{minute:02d}:{sec:02d}"
    return f"{text}.{micro:06d}" if micro else text


def json_size(value: Any) -> int:
    """UTF-8 bytes of ``value`` as compact JSON (how the response is serialised)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def unique_column_names(names: list[str]) -> list[str]:
    """Column names made unique for row objects: a repeated ``id`` becomes ``id_2``, …"""
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        result.append(candidate)
    return result


@dataclass
class QueryResult:
    """What a connector returns. ``affected_rows`` is set for write queries only."""

    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    affected_rows: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The response body: rows for reads, ``affectedRows`` for writes (plus rows when
        a write statement returned some, e.g. ``INSERT … RETURNING id``)."""
        body: dict[str, Any] = {}
        if self.affected_rows is not None:
            body["affectedRows"] = self.affected_rows
            if not self.columns:
                return body
        body.update(
            columns=[{"name": name} for name in self.columns],
            rows=self.rows,
            rowCount=len(self.rows),
            truncated=self.truncated,
        )
        return body


class RowCollector:
    """Collects encoded rows under a row limit and a JSON byte limit.

    ``add`` returns False when the row was not taken (a limit was hit) and marks the result
    truncated; the connector then stops fetching. Connectors fetch at most
    ``max_rows + 1`` rows so that one extra row proves there were more.

    Sizes are measured in batches of ``BATCH`` rows (one ``json.dumps`` per batch rather
    than per row); a batch that would cross the byte limit is measured row by row, so the
    cut is exactly where it was per row. At most ``BATCH`` rows wait to be measured.
    """

    BATCH = 32

    def __init__(
        self,
        column_names: list[str],
        max_rows: int,
        max_bytes: int,
        decoders: dict[int, Any] | None = None,
    ) -> None:
        self._result = QueryResult(columns=unique_column_names(column_names))
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.decoders = decoders or {}
        self._pending: list[dict[str, Any]] = []
        # The envelope around the rows: columns, counts and brackets.
        self.size = json_size(self._result.to_json()) + 32

    @property
    def result(self) -> QueryResult:
        self._flush()
        return self._result

    @property
    def done(self) -> bool:
        return self._result.truncated

    def add(self, raw: tuple[Any, ...] | list[Any]) -> bool:
        """Take one row from the driver; False (and truncated) when a limit is reached."""
        if self._result.truncated:
            return False
        if len(self._result.rows) + len(self._pending) >= self.max_rows:
            self._flush()
            self._result.truncated = True
            return False
        row: dict[str, Any] = {}
        for index, (name, value) in enumerate(zip(self._result.columns, raw, strict=True)):
            decode = self.decoders.get(index)
            row[name] = encode_value(decode(value) if decode is not None else value)
        self._pending.append(row)
        if len(self._pending) >= self.BATCH:
            self._flush()
        return not self._result.truncated

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch or self._result.truncated:
            return
        # "[r1,r2,…]" is the rows plus a comma each, less one, plus brackets: each row
        # counts its own size + 1, as when measured one by one.
        size = json_size(batch) - 1
        if self.size + size <= self.max_bytes:
            self.size += size
            self._result.rows.extend(batch)
            return
        for row in batch:
            row_size = json_size(row) + 1
            if self.size + row_size > self.max_bytes:
                self._result.truncated = True
                return
            self.size += row_size
            self._result.rows.append(row)
