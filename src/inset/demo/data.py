"""The demo's "warehouse": a SQLite database of the host company's suppliers, products,
stock, invoices and monthly sales. It is a *resource* (the team's own data), separate
from Inset's metadata database.

The content is deterministic (a fixed seed and a fixed "as of" date), so the demo, its
browser test and screenshots always show the same rows.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 20260401
AS_OF = date(2026, 11, 1)
"""Invoice statuses (paid / open / overdue) and sales months are relative to this day."""

WAREHOUSES = ("Rotterdam", "Leipzig", "Lyon")
SALES_MONTHS = 12


@dataclass(frozen=True)
class Supplier:
    id: int
    name: str
    city: str
    country: str
    contact_email: str
    sku_prefix: str
    category: str


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier(1, "Acme Tools", "Sheffield", "GB", "orders@acme-tools.example", "ACM", "Tools"),
    Supplier(2, "Borealis Foods", "Tromsø", "NO", "sales@borealis-foods.example", "BOR", "Food"),
    Supplier(
        3, "Cobalt Textiles", "Porto", "PT", "hello@cobalt-textiles.example", "COB", "Textiles"
    ),
)

# (name, base price) per supplier; SKUs are PREFIX-1001, PREFIX-1002, … in this order.
CATALOGUE: dict[int, tuple[tuple[str, float], ...]] = {
    1: (
        ("Cordless Drill 18V", 129.00),
        ("Impact Driver 18V", 149.00),
        ("Claw Hammer 16oz", 18.50),
        ("Ball-Pein Hammer 24oz", 21.00),
        ("Combination Spanner Set 12pc", 54.90),
        ("Socket Set 1/2in 24pc", 79.00),
        ("Torque Wrench 40-200Nm", 96.00),
        ("Adjustable Wrench 10in", 16.75),
        ("Screwdriver Set 8pc", 24.90),
        ("Precision Screwdriver Kit", 19.90),
        ("Hex Key Set Metric", 11.40),
        ("Hacksaw 12in", 14.20),
        ("Panel Saw 22in", 26.80),
        ("Tape Measure 8m", 9.95),
        ("Spirit Level 600mm", 22.30),
        ("Combination Pliers 8in", 13.60),
        ("Long-Nose Pliers 6in", 12.10),
        ("Wire Stripper", 15.40),
        ("Utility Knife", 7.80),
        ("Wood Chisel Set 4pc", 34.50),
        ("Angle Grinder 115mm", 69.00),
        ("Jigsaw 650W", 89.00),
        ("Orbital Sander 240W", 59.00),
        ("Workbench Vice 5in", 47.00),
        ("Safety Glasses Clear", 4.90),
        ("Work Gloves Nitrile (pair)", 3.20),
    ),
    2: (
        ("Wild Blueberry Jam 340g", 4.60),
        ("Lingonberry Preserve 340g", 4.90),
        ("Cloudberry Jam 220g", 8.90),
        ("Smoked Salmon 200g", 11.50),
        ("Pickled Herring 500g", 6.20),
        ("Cured Arctic Char 150g", 9.80),
        ("Rye Crispbread 250g", 2.90),
        ("Oat Flakes Organic 1kg", 3.40),
        ("Barley Groats 1kg", 2.70),
        ("Brown Cheese 500g", 8.40),
        ("Birch Syrup 250ml", 12.90),
        ("Sea Buckthorn Juice 750ml", 7.60),
        ("Reindeer Salami 200g", 10.40),
        ("Dried Cod 300g", 14.20),
        ("Fish Soup Base 1l", 5.30),
        ("Dill Mustard 200g", 3.10),
        ("Juniper Sea Salt 150g", 4.20),
        ("Black Currant Cordial 500ml", 5.10),
        ("Cardamom Buns Frozen 6pc", 6.90),
        ("Potato Lefse 8pc", 4.40),
        ("Mackerel in Tomato 170g", 2.30),
        ("Shrimp in Brine 400g", 7.70),
        ("Rhubarb Compote 400g", 4.10),
        ("Heather Honey 350g", 9.60),
    ),
    3: (
        ("Linen Tablecloth 140x240", 64.00),
        ("Linen Napkins Set of 4", 28.00),
        ("Cotton Bath Towel 70x140", 19.50),
        ("Cotton Hand Towel 50x100", 11.20),
        ("Waffle Bathrobe M", 49.00),
        ("Waffle Bathrobe L", 49.00),
        ("Percale Duvet Cover Double", 72.00),
        ("Percale Duvet Cover King", 84.00),
        ("Percale Pillowcase Pair", 24.00),
        ("Flannel Sheet Double", 46.00),
        ("Wool Throw Indigo", 89.00),
        ("Wool Throw Sand", 89.00),
        ("Cushion Cover Ikat 45x45", 21.00),
        ("Cushion Cover Stripe 45x45", 19.00),
        ("Kitchen Towel Check 3pc", 14.50),
        ("Apron Canvas Navy", 22.00),
        ("Beach Towel Stripe 90x170", 27.50),
        ("Bath Mat Cotton 50x80", 17.80),
        ("Curtain Panel Linen 140x260", 58.00),
        ("Table Runner Jute 40x150", 23.40),
        ("Baby Muslin Squares 3pc", 16.90),
        ("Tea Towel Organic 2pc", 12.60),
        ("Quilted Bedspread Double", 119.00),
        ("Velvet Cushion Emerald", 26.00),
        ("Denim Tote Bag", 18.00),
    ),
}

SCHEMA = """
CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    contact_email TEXT NOT NULL
);
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    category TEXT NOT NULL,
    price REAL NOT NULL CHECK (price >= 0)
);
CREATE TABLE stock (
    sku TEXT NOT NULL REFERENCES products(sku),
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    warehouse TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    reorder_level INTEGER NOT NULL,
    PRIMARY KEY (sku, warehouse)
);
CREATE TABLE invoices (
    number TEXT PRIMARY KEY,
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    issued_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    amount REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('paid', 'open', 'overdue'))
);
CREATE TABLE sales (
    month TEXT NOT NULL,
    sku TEXT NOT NULL REFERENCES products(sku),
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    units INTEGER NOT NULL,
    revenue REAL NOT NULL,
    PRIMARY KEY (month, sku)
);
CREATE INDEX ix_products_supplier ON products(supplier_id);
CREATE INDEX ix_stock_supplier ON stock(supplier_id);
CREATE INDEX ix_invoices_supplier ON invoices(supplier_id);
CREATE INDEX ix_sales_supplier ON sales(supplier_id, month);
"""

Row = tuple[object, ...]


@dataclass(frozen=True)
class WarehouseRows:
    suppliers: list[Row]
    products: list[Row]
    stock: list[Row]
    invoices: list[Row]
    sales: list[Row]


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def generate() -> WarehouseRows:
    """Every row of the warehouse, the same on every call."""
    rng = random.Random(SEED)
    suppliers: list[Row] = [(s.id, s.name, s.city, s.country, s.contact_email) for s in SUPPLIERS]
    products: list[Row] = []
    stock: list[Row] = []
    invoices: list[Row] = []
    sales: list[Row] = []
    invoice_no = 0
    for supplier in SUPPLIERS:
        for index, (name, price) in enumerate(CATALOGUE[supplier.id]):
            sku = f"{supplier.sku_prefix}-{1001 + index}"
            products.append((sku, name, supplier.id, supplier.category, price))
            count = rng.choice((1, 2, 2, 3))
            for warehouse in sorted(rng.sample(WAREHOUSES, count), key=WAREHOUSES.index):
                reorder = rng.choice((10, 20, 25, 50))
                quantity = rng.randint(0, 12) if rng.random() < 0.15 else rng.randint(15, 900)
                stock.append((sku, supplier.id, warehouse, quantity, reorder))
            popularity = rng.uniform(0.4, 1.6)
            for back in range(SALES_MONTHS, 0, -1):
                month = _month_start(AS_OF, back)
                seasonal = 1.0 + 0.25 * ((month.month % 12) in (11, 0, 1))
                units = max(0, round(rng.gauss(120, 35) * popularity * seasonal / (price**0.35)))
                sales.append(
                    (month.strftime("%Y-%m"), sku, supplier.id, units, round(units * price, 2))
                )
        issued = AS_OF - timedelta(days=330)
        while issued < AS_OF:
            invoice_no += 1
            due = issued + timedelta(days=30)
            amount = round(rng.uniform(800, 14_000), 2)
            if due >= AS_OF:
                status = "open"
            elif due >= AS_OF - timedelta(days=45) and rng.random() < 0.45:
                status = "overdue"
            else:
                status = "paid"
            invoices.append(
                (
                    f"INV-{issued.year}-{invoice_no:04d}",
                    supplier.id,
                    issued.isoformat(),
                    due.isoformat(),
                    amount,
                    status,
                )
            )
            issued += timedelta(days=rng.randint(9, 16))
    return WarehouseRows(suppliers, products, stock, invoices, sales)


def _write(path: Path, rows: WarehouseRows) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO suppliers VALUES (?, ?, ?, ?, ?)", rows.suppliers)
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?)", rows.products)
        conn.executemany("INSERT INTO stock VALUES (?, ?, ?, ?, ?)", rows.stock)
        conn.executemany("INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?)", rows.invoices)
        conn.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", rows.sales)
        conn.commit()
    finally:
        conn.close()


def create_warehouse(path: Path, *, overwrite: bool = False) -> bool:
    """Write the warehouse database to ``path``; True when written.

    An existing file is kept unless ``overwrite`` (the demo's data may have been changed
    through the app). The file is built beside ``path`` and renamed into place, so an
    interrupted run never leaves half a database."""
    if path.exists() and not overwrite:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".warehouse-", suffix=".db", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # sqlite3 creates it; mkstemp only reserved a unique name
        _write(tmp, generate())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True
