"""Sample data of the onboarding example: ``python sample_data.py PATH`` writes a SQLite
file with the ``companies`` and ``documents`` tables, and one customer (``globex-user``)
that has already entered its company and uploaded one PDF."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from pathlib import Path

SAMPLE_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COMPANIES = [
    ("globex-user", "Globex Corporation", "HRB 12345", "Germany", "legal@globex.example"),
]
DOCUMENTS = [
    ("globex-user", "Certificate of incorporation", "globex-incorporation.pdf", SAMPLE_PDF),
]


def create(path: Path) -> Path:
    """(Re)create the onboarding database at ``path``."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE companies (owner TEXT PRIMARY KEY, company_name TEXT NOT NULL,"
            " registration_number TEXT NOT NULL, country TEXT NOT NULL,"
            " contact_email TEXT NOT NULL, updated_at TEXT DEFAULT CURRENT_TIMESTAMP)"
        )
        conn.execute(
            "CREATE TABLE documents (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL,"
            " kind TEXT NOT NULL, name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,"
            " sha256 TEXT NOT NULL, content BLOB NOT NULL,"
            " uploaded_at TEXT DEFAULT CURRENT_TIMESTAMP)"
        )
        conn.execute("CREATE INDEX documents_owner ON documents (owner)")
        conn.executemany(
            "INSERT INTO companies (owner, company_name, registration_number, country,"
            " contact_email) VALUES (?, ?, ?, ?, ?)",
            COMPANIES,
        )
        conn.executemany(
            "INSERT INTO documents (owner, kind, name, mime, size, sha256, content)"
            " VALUES (?, ?, ?, 'application/pdf', ?, ?, ?)",
            [
                (owner, kind, name, len(data), hashlib.sha256(data).hexdigest(), data)
                for owner, kind, name, data in DOCUMENTS
            ],
        )
    return path


if __name__ == "__main__":
    create(Path(sys.argv[1] if len(sys.argv) > 1 else "onboarding.db"))
