"""`inset demo` end to end: the real command in a subprocess (two servers, two origins),
driven by Chromium through the host product's page.

Screenshots land in test-artifacts/ (gitignored). A missing Chromium fails the tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, FrameLocator, Page, async_playwright, expect

from inset.demo import data

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("INSET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
START_TIMEOUT = 90.0
PAGE_SIZE = 10  # pages/inventory.yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Demo:
    host_url: str
    inset_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`inset demo` on free ports with a fresh data dir; stopped with Ctrl-C (SIGINT)."""
    workdir = tmp_path_factory.mktemp("demo")
    log = workdir / "demo.log"
    port, host_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSET_")}
    command = [
        sys.executable,
        "-m",
        "inset",
        "demo",
        "--data-dir",
        str(workdir / "demo-data"),
        "--port",
        str(port),
        "--host-port",
        str(host_port),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    running = Demo("", "", log, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = running.output()
            host = re.search(r"Host product: (http://127\.0\.0\.1:\d+)\s+— pick a supplier", text)
            inset = re.search(r"Inset: (http://127\.0\.0\.1:\d+)", text)
            if host and inset:
                break
            if process.poll() is not None:
                pytest.fail(f"inset demo exited with {process.returncode}:\n{text}")
            if time.monotonic() > deadline:
                pytest.fail(f"inset demo printed no URLs within {START_TIMEOUT:.0f}s:\n{text}")
            time.sleep(0.2)
        assert host.group(1) == f"http://127.0.0.1:{host_port}"
        assert inset.group(1) == f"http://127.0.0.1:{port}"
        running.host_url, running.inset_url = host.group(1), inset.group(1)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
                pytest.fail(f"inset demo did not stop on Ctrl-C:\n{running.output()}")
    assert process.returncode == 0, running.output()
    output = running.output()
    # Neither the host's access token nor a still-redeemable embed URL is ever logged.
    assert "ins_" not in output, output
    assert not re.search(r"/embed/r/[A-Za-z0-9_-]{16,}", output), output


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it (apt-get install -y chromium) "
            "or point INSET_CHROMIUM at it. Browser tests never download a browser."
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        await context.close()
    assert errors == [], errors


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def stock_lines(supplier_id: int | None, search: str = "") -> list[tuple[str, str]]:
    """(sku, product name) of the stock lines the user should see, from the sample data."""
    rows = data.generate()
    names = {str(p[0]): str(p[1]) for p in rows.products}
    return sorted(
        (str(s[0]), names[str(s[0])])
        for s in rows.stock
        if (supplier_id is None or s[1] == supplier_id)
        and (search.lower() in str(s[0]).lower() or search.lower() in names[str(s[0])].lower())
    )


def euros(amount: float) -> str:
    return f"€{amount:,.2f}"


async def open_portal(page: Page, demo: Demo, query: str) -> FrameLocator:
    response = await page.goto(f"{demo.host_url}/?{query}")
    assert response is not None and response.status == 200
    frame = page.frame_locator("#inset-frame")
    await expect(frame.locator("tbody tr").first).to_be_visible(timeout=20_000)
    return frame


async def visible_skus(frame: FrameLocator) -> list[str]:
    return [s.strip() for s in await frame.locator("tbody tr td:first-child").all_inner_texts()]


@pytest.mark.parametrize(
    ("supplier_id", "own", "others"),
    [(1, "ACM-", ("BOR-", "COB-")), (2, "BOR-", ("ACM-", "COB-"))],
)
async def test_each_supplier_sees_only_its_own_stock(
    demo: Demo, page: Page, supplier_id: int, own: str, others: tuple[str, ...]
) -> None:
    expected = stock_lines(supplier_id)
    frame = await open_portal(page, demo, f"supplier={supplier_id}")
    name = next(s.name for s in data.SUPPLIERS if s.id == supplier_id)
    await expect(page.locator(".account")).to_contain_text(name)
    await expect(frame.locator(".inset-table__count")).to_contain_text(
        f"1\u2013{PAGE_SIZE} of {len(expected)}"
    )
    skus = await visible_skus(frame)
    assert skus == [sku for sku, _ in expected[:PAGE_SIZE]]
    assert all(s.startswith(own) for s in skus)
    text = await frame.locator("body").inner_text()
    assert expected[0][1] in text  # a product name of this supplier
    for prefix in others:
        assert prefix not in text
    other_names = [name for sku, name in stock_lines(None) if not sku.startswith(own)]
    assert not any(n in text for n in other_names)
    await screenshot(page, f"demo-supplier-{supplier_id}-inventory")

    # the last page holds this supplier's last rows too
    pager = frame.get_by_role("group", name="Pages")
    while await pager.get_by_role("button", name=re.compile("Next")).is_enabled():
        await pager.get_by_role("button", name=re.compile("Next")).click()
    last = len(expected) - (len(expected) - 1) // PAGE_SIZE * PAGE_SIZE
    await expect(frame.locator("tbody tr")).to_have_count(last)
    assert await visible_skus(frame) == [sku for sku, _ in expected[-last:]]


async def test_search_filters_the_table_on_the_server(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "supplier=1")
    search = frame.get_by_role("textbox", name="Search")
    await search.fill("hammer")
    expected = stock_lines(1, "hammer")
    assert 0 < len(expected) < PAGE_SIZE
    await expect(frame.locator("tbody tr")).to_have_count(len(expected), timeout=10_000)
    rows = await frame.locator("tbody tr").all_inner_texts()
    assert all("Hammer" in row for row in rows)
    assert sorted(await visible_skus(frame)) == sorted(sku for sku, _ in expected)
    await screenshot(page, "demo-supplier-1-search")

    # Another supplier's product is not found, whatever is typed.
    await search.fill("Smoked Salmon")
    await expect(frame.get_by_text("No stock matches your search")).to_be_visible()
    await search.fill("")
    await expect(frame.locator(".inset-table__count")).to_contain_text(f"of {len(stock_lines(1))}")


async def test_invoices_page_shows_the_suppliers_open_amount(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "supplier=2")
    await frame.get_by_role("tab", name="Invoices").click()
    invoices = [i for i in data.generate().invoices if i[1] == 2]
    open_amount = sum(float(str(i[4])) for i in invoices if i[5] in ("open", "overdue"))
    stat = frame.locator("[data-component=openAmount]")
    await expect(stat).to_contain_text(euros(open_amount), timeout=10_000)
    await expect(frame.locator(".inset-table__count")).to_contain_text(f"of {len(invoices)}")
    text = await frame.locator("body").inner_text()
    assert "Borealis Foods" in text
    assert "Acme Tools" not in text and "Cobalt Textiles" not in text
    await screenshot(page, "demo-supplier-2-invoices")


async def test_staff_see_every_supplier(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "staff=1")
    await expect(frame.locator(".inset-table__count")).to_contain_text(
        f"of {len(stock_lines(None))}"
    )
    await screenshot(page, "demo-staff-inventory")


async def test_host_index_lists_the_suppliers(demo: Demo, page: Page) -> None:
    await page.goto(demo.host_url)
    for supplier in data.SUPPLIERS:
        await expect(page.get_by_role("link", name=re.compile(supplier.name))).to_be_visible()
    assert await page.locator("iframe").count() == 0
    await screenshot(page, "demo-host-index")


async def test_a_reloaded_frame_tells_the_host_which_mints_a_fresh_link(
    demo: Demo, page: Page
) -> None:
    frame = await open_portal(page, demo, "supplier=3")
    # host.js grew the iframe to its content (inset:resize from Inset's origin)
    await expect(page.locator("#inset-frame")).to_have_attribute("style", re.compile(r"height"))
    embedded = next(f for f in page.frames if "/embed/r/" in f.url)
    await embedded.evaluate("location.reload()")  # the single-use link is spent
    await expect(frame.get_by_text("embed_url_used")).to_be_visible()
    notice = page.locator("#frame-notice")
    await expect(notice).to_contain_text("embed_url_used")
    await screenshot(page, "demo-frame-reloaded")
    await notice.get_by_role("link", name="Open the portal again").click()
    await expect(frame.locator("tbody tr").first).to_contain_text("COB-", timeout=20_000)


async def test_a_supplier_corrects_a_stock_count(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "supplier=3")
    first = frame.locator("tbody tr").first
    sku, _name, place = (await first.all_inner_texts())[0].split("\t")[:3]
    await first.click()
    form = frame.locator("[data-component=stockForm]")
    await expect(form).to_contain_text(f"Correct the count of {sku} in {place}")
    await form.get_by_label("Quantity on hand").fill("-3")
    await form.get_by_role("button", name="Save quantity").click()
    await expect(form.get_by_label("Quantity on hand")).to_have_attribute("aria-invalid", "true")
    await form.get_by_label("Quantity on hand").fill("1234")
    await form.get_by_role("button", name="Save quantity").click()
    await expect(frame.get_by_text("Stock updated.")).to_be_visible(timeout=10_000)
    await expect(frame.locator("tbody tr").first).to_contain_text("1,234")
    await screenshot(page, "demo-supplier-3-stock-updated")

    # A new session (the host mints a fresh link) reads the saved count back.
    frame = await open_portal(page, demo, "supplier=3")
    await expect(frame.locator("tbody tr").first).to_contain_text("1,234")


async def test_staff_are_told_they_may_not_correct_counts(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "staff=1")
    first = frame.locator("tbody tr").first
    quantity = first.locator("td").nth(3)
    before = await quantity.inner_text()
    await first.click()
    form = frame.locator("[data-component=stockForm]")
    await form.get_by_label("Quantity on hand").fill("1")
    await form.get_by_role("button", name="Save quantity").click()
    await expect(frame.get_by_text("Your groups may not run query 'update_stock'")).to_be_visible()
    await frame.get_by_role("button", name="Refresh").click()
    await expect(frame.locator("tbody tr").first.locator("td").nth(3)).to_have_text(before)
    assert before.strip() != "1"


async def test_sales_page_charts_the_suppliers_own_sales(demo: Demo, page: Page) -> None:
    frame = await open_portal(page, demo, "supplier=2")
    await frame.get_by_role("tab", name="Sales").click()
    sales = [s for s in data.generate().sales if s[2] == 2]
    products = {str(s[1]) for s in sales}
    table = frame.locator("[data-component=topProducts]")
    await expect(table.locator(".inset-table__count")).to_contain_text(
        f"of {len(products)}", timeout=10_000
    )
    skus = [s.strip() for s in await table.locator("tbody tr td:first-child").all_inner_texts()]
    assert skus and all(sku in products for sku in skus)
    for chart in ("revenueChart", "unitsChart"):
        canvas = frame.locator(f"[data-component={chart}] canvas")
        await expect(canvas).to_be_visible()
        box = await canvas.bounding_box()
        assert box is not None and box["height"] > 100
    text = await frame.locator("body").inner_text()
    assert "ACM-" not in text and "COB-" not in text
    await screenshot(page, "demo-supplier-2-sales")
