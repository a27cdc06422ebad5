"""Typed ``file`` params: checked on the server, bound as bytes, byte-exact on SQLite,
PostgreSQL and MariaDB; every refusal a 4xx naming the field; the audit keeps no content."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import textwrap
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pymysql  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select

from inset.access import service as access
from inset.apps.service import deploy_directory
from inset.apps.validation import validate_app_dir
from inset.audit.models import AuditEvent
from inset.auth import service as auth
from inset.db import Database
from inset.errors import ValidationFailed
from inset.queries.compiler import SqlCompileError, compile_sql
from inset.queries.files import FileValue, request_limit
from inset.queries.params import audit_params, declaration_errors, validate_params
from inset.resources.service import add_resource

APP_UUID = str(uuid.uuid4())
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
EXE = b"MZ\x90\x00" + bytes(range(256)) * 4
DECL: dict[str, Any] = {
    "doc": {"type": "file", "maxBytes": 4096, "accept": [".pdf", "image/png"]},
}


def upload(name: str, content: bytes, mime: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": mime,
        "size": len(content),
        "data": base64.b64encode(content).decode(),
        **extra,
    }


def refused(given: dict[str, Any], declared: dict[str, Any] = DECL) -> str:
    with pytest.raises(ValidationFailed) as info:
        validate_params(declared, {"doc": given})
    assert info.value.status_code == 422
    assert info.value.field == "params.doc"
    return info.value.message


# ------------------------------------------------------------------- checks (no database)


def test_a_valid_pdf_becomes_a_file_value() -> None:
    value = validate_params(DECL, {"doc": upload("Contract.PDF", PDF, "application/pdf")})["doc"]
    assert isinstance(value, FileValue)
    assert value.content == PDF
    assert (value.name, value.type, value.size) == ("Contract.PDF", "application/pdf", len(PDF))
    assert value.sha256 == hashlib.sha256(PDF).hexdigest()
    # No MIME type from the browser: the extension decides, and the magic bytes must agree.
    assert validate_params(DECL, {"doc": upload("a.pdf", PDF)})["doc"].type == "application/pdf"
    assert validate_params(DECL, {"doc": upload("p.png", PNG, "image/png")})["doc"].size == len(PNG)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (upload("big.pdf", PDF + bytes(4096), "application/pdf"), "the limit is 4096 bytes"),
        ({**upload("a.pdf", PDF + bytes(5000)), "size": 10}, "more than 4096"),
        ({**upload("a.pdf", PDF), "size": 1, "data": "A" * 6000}, "the limit is 4096"),
        (upload("notes.txt", b"hello", "text/plain"), "not an accepted type"),
        (upload("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg"), "not an accepted"),
        (upload("setup.pdf", EXE, "application/pdf"), "not a valid application/pdf file"),
        (upload("setup.pdf", EXE), "not a valid application/pdf file"),
        (upload("fake.png", PDF, "image/png"), "not a valid image/png file"),
        (upload("report.pdf", PDF, "image/png"), "does not match its extension"),
        ({**upload("a.pdf", PDF), "data": "%%%not base64%%%"}, "not valid base64"),
        ({**upload("a.pdf", PDF), "data": "JVBER"}, "not valid base64"),
        ({**upload("a.pdf", PDF), "data": "JVBERi0=\n"}, "not valid base64"),
        ({**upload("a.pdf", PDF), "data": "é"}, "not valid base64"),
        ({**upload("a.pdf", PDF), "size": len(PDF) - 1}, "but the content is"),
        (upload("../../etc/passwd.pdf", PDF), "plain file name"),
        (upload("a\x00.pdf", PDF), "plain file name"),
        (upload("", PDF), "name must be text"),
        (upload("x" * 300 + ".pdf", PDF), "name must be text"),
        ({**upload("a.pdf", PDF), "size": True}, "size must be a whole number"),
        ({**upload("a.pdf", PDF), "size": -1}, "size must be a whole number"),
        ({**upload("a.pdf", PDF), "type": 5}, "type must be a MIME type"),
        ({**upload("a.pdf", PDF), "data": 5}, "data must be"),
        (upload("a.pdf", PDF, lastModified=1), "unknown lastModified"),
        ({"name": "a.pdf", "data": ""}, "missing size, type"),
    ],
)
def test_refusals_name_the_field(given: dict[str, Any], words: str) -> None:
    assert words in refused(given)


def test_not_an_object() -> None:
    for given in ("JVBERi0=", 5, [upload("a.pdf", PDF)]):
        with pytest.raises(ValidationFailed) as info:
            validate_params(DECL, {"doc": given})
        assert info.value.field == "params.doc"


def test_a_renamed_executable_is_refused_even_as_an_accepted_text_type() -> None:
    declared = {"doc": {"type": "file", "maxBytes": 4096, "accept": ".txt,text/plain"}}
    assert "executable" in refused(upload("notes.txt", EXE, "text/plain"), declared)
    assert "executable" in refused(
        upload("notes", EXE), {"doc": {"type": "file", "maxBytes": 9999}}
    )
    # Only an explicit application/octet-stream lets binaries through.
    binary = {"doc": {"type": "file", "maxBytes": 4096, "accept": ["application/octet-stream"]}}
    assert validate_params(binary, {"doc": upload("tool.exe", EXE)})["doc"].content == EXE


def test_no_accept_means_any_type_with_consistent_content() -> None:
    declared = {"doc": {"type": "file", "maxBytes": 100}}
    value = validate_params(declared, {"doc": upload("data.csv", b"a,b\n1,2\n", "text/csv")})
    assert value["doc"].content == b"a,b\n1,2\n"
    empty = validate_params(declared, {"doc": upload("empty.bin", b"")})["doc"]
    assert (empty.size, empty.type) == (0, "application/octet-stream")
    assert "not a valid application/pdf" in refused(upload("x.pdf", b"hello"), declared)


def test_nullable_and_required() -> None:
    optional = {"doc": {"type": "file", "maxBytes": 10, "nullable": True}}
    assert validate_params(optional, {"doc": None}) == {"doc": None}
    assert validate_params(optional, {}) == {"doc": None}
    with pytest.raises(ValidationFailed) as info:
        validate_params({"doc": {"type": "file", "maxBytes": 10}}, {})
    assert info.value.field == "params.doc" and info.value.code == "missing_param"


@pytest.mark.parametrize(
    ("decl", "words"),
    [
        ({"type": "file"}, "needs maxBytes"),
        ({"type": "file", "maxBytes": 0}, "maxBytes: must be a whole number"),
        ({"type": "file", "maxBytes": True}, "maxBytes: must be a whole number"),
        ({"type": "file", "maxBytes": 10**9}, "maxBytes: must be a whole number"),
        ({"type": "file", "maxBytes": 10, "accept": []}, "accept: must list"),
        ({"type": "file", "maxBytes": 10, "accept": ["pdf"]}, "accept: must list"),
        ({"type": "file", "maxBytes": 10, "accept": [5]}, "accept: must list"),
        ({"type": "file", "maxBytes": 10, "default": "x"}, "has no default"),
    ],
)
def test_declaration_errors(decl: dict[str, Any], words: str) -> None:
    problems = declaration_errors({"doc": decl})
    assert any(words in p for p in problems), problems


def test_audit_keeps_name_size_and_hash_never_content() -> None:
    values = validate_params(DECL, {"doc": upload("a.pdf", PDF)})
    audited = audit_params(DECL, values)
    assert audited == {
        "doc": {
            "name": "a.pdf",
            "type": "application/pdf",
            "size": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest(),
        }
    }
    assert base64.b64encode(PDF[:30]).decode()[:20] not in json.dumps(audited)
    assert "content" not in repr(values["doc"]) or "PDF" not in repr(values["doc"])


def test_compiled_fields_of_a_file_param() -> None:
    compiled = compile_sql("INSERT INTO d VALUES ({{ doc }}, {{ doc.name }}, {{ doc.size }})", DECL)
    assert compiled["bindings"] == [
        {"param": "doc"},
        {"param": "doc", "field": "name"},
        {"param": "doc", "field": "size"},
    ]
    with pytest.raises(SqlCompileError) as info:
        compile_sql("SELECT {{ doc.data }}", DECL)
    assert "no field 'data'" in info.value.message
    with pytest.raises(SqlCompileError):  # only file params have fields
        compile_sql("SELECT {{ n.name }}", {"n": {"type": "string"}})


def test_request_limit_adds_base64_size_of_file_params() -> None:
    assert request_limit({"n": {"type": "string"}}, 1000) == 1000
    assert request_limit(DECL, 1000) == 1000 + 4 * 1366
    two = {**DECL, "b": {"type": "file", "maxBytes": 3}}
    assert request_limit(two, 0) == 4 * 1366 + 4
    assert request_limit(None, 7) == 7


# ------------------------------------------------------------------- end to end over HTTP

APP_YAML = f"""
uuid: {APP_UUID}
name: Documents
access:
  - {{group: customers, level: use}}
embed:
  parentOrigins: ["https://host.example"]
pages: [main]
queries:
  add_document:
    resource: files
    kind: write
    allowedGroups: [customers]
    sql: |
      INSERT INTO documents (owner, name, mime, size, sha256, content)
      VALUES ({{{{ current_user.externalIdentifier }}}}, {{{{ doc.name }}}}, {{{{ doc.type }}}},
              {{{{ doc.size }}}}, {{{{ doc.sha256 }}}}, {{{{ doc }}}})
    params:
      doc:
        type: file
        maxBytes: {{max_bytes}}
        accept: [.pdf, application/pdf, image/png]
        value: "{{{{ upload.value[0] }}}}"
  note:
    resource: files
    kind: write
    allowedGroups: [customers]
    sql: "UPDATE documents SET name = {{{{ text }}}} WHERE owner = 'nobody'"
    params:
      text: {{type: string, value: "{{{{ upload.value }}}}"}}
"""

PAGE_YAML = """
title: Documents
components:
  - {id: upload, type: file_upload, label: Document, accept: ".pdf,.png"}
"""

MAX_BYTES = 2_000_000  # larger than INSET_MAX_REQUEST_BYTES (1 MB) once base64-encoded

TABLES = {
    "sqlite": "CREATE TABLE documents (owner TEXT, name TEXT, mime TEXT, size INTEGER, "
    "sha256 TEXT, content BLOB)",
    "postgres": "CREATE TABLE documents (owner text, name text, mime text, size bigint, "
    "sha256 text, content bytea)",
    "mysql": "CREATE TABLE documents (owner VARCHAR(200), name VARCHAR(255), mime VARCHAR(200), "
    "size BIGINT, sha256 CHAR(64), content LONGBLOB)",
}


def write_app(root: Path) -> Path:
    app = root / "apps" / "documents"
    (app / "pages").mkdir(parents=True)
    (app / "app.yaml").write_text(textwrap.dedent(APP_YAML).replace("{max_bytes}", str(MAX_BYTES)))
    (app / "pages" / "main.yaml").write_text(textwrap.dedent(PAGE_YAML))
    return root / "apps"


def make_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """A resource database with a documents table: (resource type, url)."""
    if backend == "sqlite":
        path = tmp_path / "files.db"
        with sqlite3.connect(path) as conn:
            conn.execute(TABLES["sqlite"])
        return "sqlite", str(path)
    if backend == "postgres":
        dsn: str = request.getfixturevalue("pg_database")
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute(TABLES["postgres"])
        return "postgres", dsn
    url: str = request.getfixturevalue("mysql_database")
    with _mysql(url) as my, my.cursor() as cur:
        cur.execute(TABLES["mysql"])
    return "mysql", url


def _mysql(url: str) -> Any:
    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user="root",
        password="",
        database=parts.path.lstrip("/"),
        autocommit=True,
    )


def stored(backend: str, url: str) -> list[tuple[Any, ...]]:
    sql = "SELECT owner, name, mime, size, sha256, content FROM documents ORDER BY name"
    if backend == "sqlite":
        with sqlite3.connect(url) as conn:
            return list(conn.execute(sql))
    if backend == "postgres":
        with psycopg.connect(url) as pg:
            return [tuple(r) for r in pg.execute(sql)]
    with _mysql(url) as my, my.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


@pytest.fixture(
    params=["sqlite", pytest.param("postgres"), pytest.param("mysql", marks=pytest.mark.mysql)]
)
async def setup(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> dict[str, Any]:
    backend = request.param
    resource_type, url = make_store(backend, request, tmp_path)
    async with database.session() as session:
        await access.create_group(session, "customers")
        token = (await auth.create_token(session, "host", ["embed"])).secret
        await add_resource(session, "files", resource_type, url)
        await deploy_directory(session, write_app(tmp_path))
    return {"token": token, "backend": backend, "url": url}


async def session_for(client: httpx.AsyncClient, token: str, who: str) -> dict[str, str]:
    minted = await client.post(
        "/api/embed-url/external-user",
        headers={"Authorization": f"Bearer {token}"},
        json={"landingPageUuid": APP_UUID, "groupIds": ["customers"], "externalIdentifier": who},
    )
    assert minted.status_code == 200, minted.text
    page = await client.get(minted.json()["embedUrl"].removeprefix("http://testserver"))
    boot = json.loads(page.text.split('id="inset-boot">', 1)[1].split("</script>", 1)[0])
    return {"Authorization": f"Bearer {boot['sessionToken']}"}


async def add_document(
    client: httpx.AsyncClient, headers: dict[str, str], doc: Any, query: str = "add_document"
) -> httpx.Response:
    return await client.post(
        f"/api/runtime/queries/{query}/run", headers=headers, json={"params": {"doc": doc}}
    )


def test_the_example_app_validates(tmp_path: Path) -> None:
    assert [
        i for i in validate_app_dir(write_app(tmp_path) / "documents") if i.severity == "error"
    ] == []


async def test_a_file_lands_byte_exact(
    client: httpx.AsyncClient, setup: dict[str, Any], database: Database
) -> None:
    headers = await session_for(client, setup["token"], "ada")
    big = b"%PDF-1.4\n" + bytes(range(256)) * 5000 + b"\r\n\x00\xff%%EOF"  # ~1.28 MB
    assert len(base64.b64encode(big)) > 1_000_000  # beyond INSET_MAX_REQUEST_BYTES alone
    small = PNG + b"\x00\r\n\x1a"
    for name, content, mime in (("big.pdf", big, "application/pdf"), ("s.png", small, "")):
        response = await add_document(client, headers, upload(name, content, mime))
        assert response.status_code == 200, response.text
        assert response.json()["affectedRows"] == 1
    rows = stored(setup["backend"], setup["url"])
    assert [(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows] == [
        ("ada", "big.pdf", "application/pdf", len(big), hashlib.sha256(big).hexdigest()),
        ("ada", "s.png", "image/png", len(small), hashlib.sha256(small).hexdigest()),
    ]
    assert bytes(rows[0][5]) == big and bytes(rows[1][5]) == small

    async with database.session() as session:
        events = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    runs = [e for e in events if e.type == "query.run"]
    assert runs[-2].data["params"]["doc"] == {
        "name": "big.pdf",
        "type": "application/pdf",
        "size": len(big),
        "sha256": hashlib.sha256(big).hexdigest(),
    }
    dumped = json.dumps([e.data for e in events])
    assert base64.b64encode(big[:60]).decode()[:40] not in dumped


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        (upload("huge.pdf", b"%PDF-" + bytes(MAX_BYTES), "application/pdf"), "the limit is"),
        (upload("notes.txt", b"hello", "text/plain"), "not an accepted type"),
        (upload("invoice.pdf", EXE, "application/pdf"), "not a valid application/pdf"),
        ({**upload("a.pdf", PDF), "data": "not*base64"}, "not valid base64"),
        ("a string", "must be a file object"),
    ],
)
async def test_refusals_over_http(
    client: httpx.AsyncClient, setup: dict[str, Any], doc: Any, words: str
) -> None:
    headers = await session_for(client, setup["token"], "ada")
    response = await add_document(client, headers, doc)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "params.doc" and words in error["message"], error
    assert stored(setup["backend"], setup["url"]) == []


async def test_body_limit_is_per_query(client: httpx.AsyncClient, setup: dict[str, Any]) -> None:
    headers = await session_for(client, setup["token"], "ada")
    limit = request_limit({"doc": {"type": "file", "maxBytes": MAX_BYTES}}, 1_000_000)
    over = {**headers, "Content-Type": "application/json", "Content-Length": str(limit + 1)}
    response = await client.post(
        "/api/runtime/queries/add_document/run", headers=over, content=b"{}"
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    # A query without file params keeps INSET_MAX_REQUEST_BYTES (1 MB), even streamed.
    big_text = {"params": {"text": "x" * 1_100_000}}
    response = await client.post(
        "/api/runtime/queries/note/run", headers=headers, content=_chunks(big_text)
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    # Other routes keep the global limit too.
    response = await client.post(
        "/api/runtime/events", headers={**headers, "Content-Length": "2000000"}, content=b"{}"
    )
    assert response.status_code == 413
    bad = await client.post(
        "/api/runtime/queries/add_document/run", headers=headers, content=b"{nope"
    )
    assert bad.status_code == 422 and "error" in bad.json()


async def _chunks(body: Any) -> Any:
    data = json.dumps(body).encode()
    for start in range(0, len(data), 65536):
        yield data[start : start + 65536]
