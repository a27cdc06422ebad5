"""examples/onboarding: a customer walks through the three steps and uploads documents that
land byte-exact in the documents table; another customer doesn't see them, the staff
group sees everyone's, and bad files are refused with a readable message."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, FilePayload, Locator, Page, expect

from tests.support.live import recorded_page

from .conftest import ONBOARDING_UUID

if TYPE_CHECKING:
    from tests.browser.conftest import Console

    from .conftest import Server

pytestmark = pytest.mark.browser

CUSTOMERS = ["onboarding-customers"]
STAFF = ["onboarding-staff"]
CONTRACT = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"  # every byte value
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(2000)
TOO_LARGE = b"%PDF-1.7\n" + bytes(2_500_000)


def documents(server: Server) -> list[tuple[Any, ...]]:
    with sqlite3.connect(server.root / "onboarding.db") as conn:
        return conn.execute(
            "SELECT owner, kind, name, mime, size, sha256, content FROM documents ORDER BY id"
        ).fetchall()


def pdf(name: str, content: bytes, mime: str = "application/pdf") -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": content}


@contextmanager
def another_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A second user's page: its own browser context and embed session."""
    with recorded_page(browser, console) as opened:
        yield opened


def toast(page: Page, kind: str, text: str) -> Locator:
    return page.locator(f".inset-toast--{kind}", has_text=text)


def upload(page: Page, kind: str, file: FilePayload) -> None:
    page.get_by_label("Document type").select_option(label=kind)
    page.locator("#inset-docForm-file").set_input_files(file)
    expect(page.locator(".inset-upload__name")).to_have_text(file["name"])
    page.get_by_role("button", name="Upload", exact=True).click()


def test_the_whole_flow(server: Server, page: Page, browser: Browser, console: Console) -> None:
    before = documents(server)
    page.goto(server.mint(ONBOARDING_UUID, "initech-user", CUSTOMERS))

    # Step 1: company details, then the form moves on to step 2.
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    expect(page.get_by_role("tab", name="1. Company")).to_have_attribute("aria-selected", "true")
    page.get_by_label("Company name").fill("Initech LLC")
    page.get_by_label("Registration number").fill("HRB 777")
    page.get_by_label("Country").select_option(label="France")
    page.get_by_label("Contact email").fill("legal@initech.example")
    page.get_by_role("button", name="Save and continue").click()
    expect(toast(page, "success", "Company details saved.")).to_be_visible()
    expect(page.get_by_role("tab", name="2. Documents")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()

    # Step 2: the list starts empty (globex-user's document is not this user's).
    table = page.locator("[data-component=documentList]")
    expect(table).to_contain_text("No documents yet.")
    upload(page, "Certificate of incorporation", pdf("initech-contract.pdf", CONTRACT))
    expect(toast(page, "success", "Document uploaded.")).to_be_visible()
    expect(table).to_contain_text("initech-contract.pdf")
    expect(table).to_contain_text("Certificate of incorporation")
    expect(table).not_to_contain_text("globex-incorporation.pdf")

    added = documents(server)[len(before) :]
    assert added == [
        (
            "initech-user",
            "Certificate of incorporation",
            "initech-contract.pdf",
            "application/pdf",
            len(CONTRACT),
            hashlib.sha256(CONTRACT).hexdigest(),
            CONTRACT,
        )
    ]

    # A file over the limit: the browser says so and sends nothing.
    page.locator("#inset-docForm-file").set_input_files(pdf("scan.pdf", TOO_LARGE))
    problems = page.locator(".inset-upload__problems")
    expect(problems).to_contain_text("scan.pdf is 2.4 MB; the limit is 2.0 MB.")
    # A renamed executable passes the browser's extension check; the server reads its
    # content and refuses it with a message the user can act on.
    upload(page, "Proof of address", pdf("invoice.pdf", EXECUTABLE))
    expect(
        toast(page, "error", "'invoice.pdf' is not a valid application/pdf file")
    ).to_be_visible()
    assert len(documents(server)) == len(before) + 1

    # Step 3: the review counts this user's documents only.
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    expect(page.locator("[data-component=reviewCompany]")).to_contain_text("Initech LLC")
    expect(page.locator("[data-component=reviewDocuments]")).to_contain_text("1")

    # Another customer, in a fresh embed session, sees only its own document.
    with another_page(browser, console) as other:
        other.goto(server.mint(ONBOARDING_UUID, "globex-user", CUSTOMERS))
        expect(other.get_by_label("Company name")).to_have_value("Globex Corporation")
        other.get_by_role("tab", name="2. Documents").click()
        other_table = other.locator("[data-component=documentList]")
        expect(other_table).to_contain_text("globex-incorporation.pdf")
        expect(other_table).not_to_contain_text("initech-contract.pdf")

    # The host's staff see every customer's documents, and may not upload.
    with another_page(browser, console) as staff:
        staff.goto(server.mint(ONBOARDING_UUID, "ops-1", STAFF))
        staff.get_by_role("tab", name="2. Documents").click()
        staff_table = staff.locator("[data-component=documentList]")
        expect(staff_table).to_contain_text("initech-contract.pdf")
        expect(staff_table).to_contain_text("globex-incorporation.pdf")
        expect(staff_table).to_contain_text("initech-user")
        upload(staff, "Other", pdf("staff-note.pdf", CONTRACT))
        expect(toast(staff, "error", "may not run query 'upload_document'")).to_be_visible()
    assert len(documents(server)) == len(before) + 1
    assert console.errors == [] and console.csp_violations() == []
