"""Sample data of the component gallery: ``python sample_data.py PATH`` writes a SQLite file.

Used by tests/components (the browser tests) and scripts/screenshots.py.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

NOTES = [
    "**Bold**, *italic*, `code` and a [link](https://example.com/docs).",
    "Data is shown as text: <script>alert('x')</script> and <b>no HTML</b>.",
]


def create(path: Path) -> Path:
    """(Re)create the gallery's SQLite database at ``path``."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE feedback (
              id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, code TEXT UNIQUE,
              topic TEXT, rating INTEGER, visit_on TEXT, tags TEXT, newsletter INTEGER
            );
            CREATE TABLE categories (slug TEXT PRIMARY KEY, title TEXT NOT NULL);
            CREATE TABLE products (name TEXT, category TEXT, price REAL);
            CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
            CREATE TABLE sales (month TEXT, revenue REAL, costs REAL, orders INTEGER);
            CREATE TABLE channels (channel TEXT, share REAL);
            CREATE TABLE orders (
              id INTEGER PRIMARY KEY, customer TEXT, amount REAL, placed_on TEXT, status TEXT
            );
            CREATE TABLE invoices (
              id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, customer TEXT, amount REAL,
              discount REAL, issued_at TEXT, url TEXT, status TEXT NOT NULL
            );
            """
        )
        conn.execute(
            "INSERT INTO feedback (name, email, code, topic, rating, visit_on, tags, newsletter)"
            " VALUES ('Ada', 'ada@example.com', 'ADA-001', 'product', 5, '2026-03-02',"
            " 'fast, friendly', 1)"
        )
        conn.executemany(
            "INSERT INTO categories VALUES (?, ?)",
            [("tools", "Tools"), ("garden", "Garden"), ("kitchen", "Kitchen")],
        )
        conn.executemany(
            "INSERT INTO products VALUES (?, ?, ?)",
            [
                ("Hammer", "tools", 19.5),
                ("Screwdriver set", "tools", 24.0),
                ("Rake", "garden", 31.0),
                ("Watering can", "garden", 12.75),
                ("Chef's knife", "kitchen", 59.0),
                ("Cutting board", "kitchen", 18.0),
            ],
        )
        conn.executemany("INSERT INTO notes (body) VALUES (?)", [(n,) for n in NOTES])
        months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
        revenue = [12400, 13900, 13100, 15800, 17250, 18900]
        costs = [8100, 8600, 8400, 9900, 10200, 11000]
        orders = [310, 342, 330, 371, 402, 436]
        conn.executemany(
            "INSERT INTO sales VALUES (?, ?, ?, ?)",
            list(zip(months, revenue, costs, orders, strict=True)),
        )
        conn.executemany(
            "INSERT INTO channels VALUES (?, ?)",
            [("Marketplace", 0.46), ("Direct", 0.31), ("Resellers", 0.15), ("Other", 0.08)],
        )
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", order_rows())
        conn.executemany("INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?, ?, ?)", INVOICES)
    return path


# The Tables page: every column format. Times have no offset: they show as written, in
# the viewer's time zone. INV-1004's link is unsafe and stays text; INV-1005 has no
# discount and no document.
INVOICES = [
    (1, "INV-1001", "Acme GmbH", 1200.0, 0.125, "2026-03-02T14:30:00",
     "https://example.com/invoices/INV-1001", "paid"),
    (2, "INV-1002", "Globex", 480.5, 0.0, "2026-03-05T09:05:00",
     "https://example.com/invoices/INV-1002", "open"),
    (3, "INV-1003", "Initech", 2310.0, 0.05, "2026-02-11T16:45:00",
     "mailto:billing@initech.example", "overdue"),
    (4, "INV-1004", "Umbrella", 99.9, 0.2, "2026-03-20T08:00:00", "javascript:alert(1)", "due"),
    (5, "INV-1005", "Stark Industries", 15000.0, None, "2026-03-28T11:15:00", None, "draft"),
    (6, "INV-1006", "Wayne & Co", 760.0, 0.1, "2026-04-01T10:00:00",
     "https://example.com/invoices/INV-1006", "open"),
    (7, "INV-1007", "Acme GmbH", 315.25, 0.0, "2026-04-03T17:20:00",
     "https://example.com/invoices/INV-1007", "open"),
]  # fmt: skip

CUSTOMERS = ["Acme GmbH", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne & Co"]
STATUSES = ["open", "shipped", "shipped", "returned"]
ORDER_COUNT = 1234


def order_rows() -> list[tuple[int, str, float, str, str]]:
    """1,234 orders for the server-paged table; two customers test the CSV (a formula to
    defuse, a comma and quotes to quote)."""
    rows = []
    for i in range(1, ORDER_COUNT + 1):
        customer = CUSTOMERS[i % len(CUSTOMERS)]
        if i == 2:
            customer = "=1+1"
        elif i == 3:
            customer = 'Smith, "Bob"'
        amount = round(((i * 7919) % 50000) / 100 + 5, 2)
        placed_on = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append((i, customer, amount, placed_on, STATUSES[i % len(STATUSES)]))
    return rows


if __name__ == "__main__":
    create(Path(sys.argv[1] if len(sys.argv) > 1 else "gallery.db"))
