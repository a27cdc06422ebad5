"""Typed ``file`` params: a file the browser read, checked on the server before it binds.

Declaration (in a query's ``params``)::

    doc: {type: file, maxBytes: 5000000, accept: [.pdf, application/pdf, image/*]}

The browser sends ``{"name", "type", "size", "data"}`` (``data``: the content in base64,
no ``data:`` prefix), which is what the ``file_upload`` component's state holds. The
server decodes ``data`` and refuses (422, ``field`` ``params.<name>``):

* anything but exactly those four keys, a name with a path or control characters;
* data that is not strict base64, or whose decoded length is not ``size``;
* more than ``maxBytes`` decoded bytes (the encoded text is bounded before decoding);
* a name and type that ``accept`` does not list (an entry is ``.ext``, ``type/subtype`` or
  ``type/*``; the extension or the MIME type must match one, as in the browser);
* a MIME type that contradicts the extension (``report.pdf`` sent as ``image/png``);
* content whose magic bytes contradict what the file claims to be: a ``.pdf`` must start
  with ``%PDF-``, a PNG with its signature, a JPEG with ``FF D8 FF``, a GIF with ``GIF8``;
  and content that is an executable (Windows PE, ELF, Mach-O) unless ``accept`` lists
  ``application/octet-stream`` — so a renamed ``.exe`` is refused.

In SQL, ``{{ doc }}`` binds the content as bytes (BLOB, bytea, LONGBLOB) and
``{{ doc.name }}``, ``{{ doc.type }}``, ``{{ doc.size }}``, ``{{ doc.sha256 }}`` bind the
file's name, MIME type, size in bytes and SHA-256 (hex). The audit log records name, type,
size and sha256, never the content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from inset.errors import ValidationFailed

MAX_FILE_BYTES = 50_000_000
"""The largest ``maxBytes`` a declaration may ask for."""

FILE_FIELDS = ("name", "type", "size", "sha256")
FILE_KEYS = frozenset({"name", "type", "size", "data"})
NAME_MAX = 255
GENERIC_TYPES = frozenset({"", "application/octet-stream"})
_ACCEPT_ENTRY = re.compile(
    r"^(\.[a-z0-9][a-z0-9._+-]{0,30}|[a-z0-9.+-]{1,60}/([a-z0-9.+-]{1,100}|\*))$"
)
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")

# Extension → MIME type for common document types (what browsers report for them).
EXTENSION_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".json": "application/json",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# MIME type → magic bytes its content must start with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE (.exe, .dll)
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (also Java classes)
)


@dataclass(frozen=True)
class FileValue:
    """A checked file param: what binds to SQL."""

    name: str
    type: str
    size: int
    sha256: str
    content: bytes = field(repr=False)

    def field_value(self, name: str) -> Any:
        """``{{ doc.<name> }}``: one of FILE_FIELDS (None for any other name)."""
        return getattr(self, name) if name in FILE_FIELDS else None

    def summary(self) -> dict[str, Any]:
        """Name, type, size and sha256, for the audit log (never the content)."""
        return {"name": self.name, "type": self.type, "size": self.size, "sha256": self.sha256}

    def __str__(self) -> str:
        # A REST query that binds {{ doc }} sends the content as base64 text.
        return base64.b64encode(self.content).decode("ascii")


def _invalid(where: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{where}: {message}", field=where, code="invalid_param")


def accept_entries(accept: Any) -> list[str] | None:
    """``accept`` as a list of lower-case entries (a list, or a comma-separated string);
    None when it is malformed."""
    if isinstance(accept, str):
        accept = accept.split(",")
    if not isinstance(accept, list) or not all(isinstance(a, str) for a in accept):
        return None
    entries = [a.strip().lower() for a in accept if a.strip()]
    if not entries or not all(_ACCEPT_ENTRY.match(a) for a in entries):
        return None
    return entries


def declaration_problems(where: str, decl: dict[str, Any]) -> list[str]:
    """Problems of a ``type: file`` declaration (``maxBytes`` is required)."""
    problems: list[str] = []
    limit = decl.get("maxBytes")
    if limit is None:
        problems.append(f"{where}.maxBytes: a file param needs maxBytes (its largest size)")
    elif not (isinstance(limit, int) and not isinstance(limit, bool)) or not (
        1 <= limit <= MAX_FILE_BYTES
    ):
        problems.append(f"{where}.maxBytes: must be a whole number from 1 to {MAX_FILE_BYTES}")
    if "accept" in decl and accept_entries(decl["accept"]) is None:
        problems.append(
            f"{where}.accept: must list extensions (.pdf), MIME types (application/pdf) "
            "or type/* entries"
        )
    if decl.get("default") is not None:
        problems.append(f"{where}.default: a file param has no default (use nullable: true)")
    return problems


def encoded_limit(max_bytes: int) -> int:
    """Length of the base64 text of ``max_bytes`` bytes."""
    return 4 * math.ceil(max_bytes / 3)


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _matches(entry: str, extension: str, mime: str) -> bool:
    if entry.startswith("."):
        return extension == entry
    if entry.endswith("/*"):
        return mime.startswith(entry[:-1])
    return mime == entry


def _sniffed(content: bytes) -> str | None:
    for mime, signatures in SIGNATURES.items():
        if content.startswith(signatures):
            return mime
    if content.startswith(EXECUTABLE_SIGNATURES):
        return "executable"
    return None


def _check_kind(decl: dict[str, Any], name: str, mime: str, content: bytes, where: str) -> str:
    """The file's MIME type after the accept, consistency and magic-byte checks."""
    extension = _extension(name)
    by_extension = EXTENSION_TYPES.get(extension)
    if mime not in GENERIC_TYPES and by_extension is not None and mime != by_extension:
        raise _invalid(where, f"'{name}' is sent as {mime}, which does not match its extension")
    claimed = (by_extension if mime in GENERIC_TYPES and by_extension else mime) or (
        "application/octet-stream"
    )
    entries = accept_entries(decl["accept"]) if "accept" in decl else None
    if entries is not None and not any(_matches(e, extension, claimed) for e in entries):
        raise _invalid(
            where, f"'{name}' is not an accepted type of file (accepted: {', '.join(entries)})"
        )
    sniffed = _sniffed(content)
    if claimed in SIGNATURES and sniffed != claimed:
        raise _invalid(where, f"the content of '{name}' is not a valid {claimed} file")
    if sniffed == "executable" and not (entries and "application/octet-stream" in entries):
        raise _invalid(where, f"the content of '{name}' is an executable program")
    if sniffed in SIGNATURES and claimed not in GENERIC_TYPES and sniffed != claimed:
        raise _invalid(where, f"the content of '{name}' is {sniffed}, not {claimed}")
    return claimed


def check_file(decl: dict[str, Any], value: Any, where: str) -> FileValue:
    """A file object from the browser, checked against its declaration (or a 422)."""
    if not isinstance(value, dict):
        raise _invalid(where, "must be a file object {name, type, size, data}")
    keys = set(value)
    if keys != FILE_KEYS:
        missing, extra = sorted(FILE_KEYS - keys), sorted(str(k)[:50] for k in keys - FILE_KEYS)
        detail = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(extra)}"
        raise _invalid(where, f"must be a file object {{name, type, size, data}} ({detail})")
    name, mime, size, data = value["name"], value["type"], value["size"], value["data"]
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise _invalid(where, f"name must be text of 1 to {NAME_MAX} characters")
    if _BAD_NAME.search(name) or not name.isprintable():
        raise _invalid(where, "name must be a plain file name (no path or control characters)")
    if not isinstance(mime, str) or len(mime) > 200:
        raise _invalid(where, "type must be a MIME type string")
    mime = mime.split(";")[0].strip().lower()
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _invalid(where, "size must be a whole number of bytes")
    if not isinstance(data, str):
        raise _invalid(where, "data must be the file's content in base64")
    limit: int = decl["maxBytes"]
    if size > limit or len(data) > encoded_limit(limit):
        shown = size if size > limit else f"more than {limit}"
        raise _invalid(where, f"'{name}' is {shown} bytes; the limit is {limit} bytes")
    try:
        content = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _invalid(where, "data is not valid base64") from None
    if len(content) > limit:
        raise _invalid(where, f"'{name}' is {len(content)} bytes; the limit is {limit} bytes")
    if len(content) != size:
        raise _invalid(where, f"size is {size} but the content is {len(content)} bytes")
    kind = _check_kind(decl, name, mime, content, where)
    return FileValue(
        name=name,
        type=kind,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def request_limit(declared: Any, base: int) -> int:
    """The largest request body for a query with ``declared`` params: ``base`` plus the
    base64 size of each file param's ``maxBytes``."""
    if not isinstance(declared, dict):
        return base
    extra = 0
    for decl in declared.values():
        if isinstance(decl, dict) and decl.get("type") == "file":
            limit = decl.get("maxBytes")
            if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
                extra += encoded_limit(min(limit, MAX_FILE_BYTES))
    return base + extra
