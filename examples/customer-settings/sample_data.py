"""Sample data of the customer-settings example: ``python sample_data.py PATH`` writes a
SQLite file with two customers' settings rows (customer ids 1 and 2)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROWS = [
    (1, "Acme Tools GmbH", "billing@acme.example", "Europe/Berlin", 1, 25),
    (2, "Bluebird Ltd", "accounts@bluebird.example", "Europe/London", 0, 10),
]


def create(path: Path) -> Path:
    """(Re)create the settings database at ``path``."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE customer_settings (customer_id INTEGER PRIMARY KEY, company_name TEXT,"
            " billing_email TEXT, timezone TEXT, weekly_report INTEGER, alert_threshold INTEGER,"
            " updated_at TEXT DEFAULT '2026-01-01 09:00:00')"
        )
        conn.executemany(
            "INSERT INTO customer_settings (customer_id, company_name, billing_email, timezone,"
            " weekly_report, alert_threshold) VALUES (?, ?, ?, ?, ?, ?)",
            ROWS,
        )
    return path


if __name__ == "__main__":
    create(Path(sys.argv[1] if len(sys.argv) > 1 else "settings.db"))
