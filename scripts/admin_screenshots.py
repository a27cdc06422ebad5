"""Screenshots of the admin web UI for docs/admin.md and the README: docs/images/admin-*.png.

Reuses scripts/screenshots.py's set-up (``inset serve`` with the component gallery and the
supplier portal deployed, sample data, a host page), adds an administrator through the CLI
(``inset admin create-user --password-stdin``), a few embed sessions, a second release and
resources of every type, then signs in to /admin with Debian's Chromium and photographs
every page of the navigation (Groups with one group open, External users with one user's
sessions open).

    .venv/bin/python scripts/admin_screenshots.py [--out docs/images]
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

from screenshots import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    GALLERY_UUID,
    PORTAL_UUID,
    Inset,
    _cli,
    main,
    start_inset,
)

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "screenshots-only-password"


def _create_admin(inset: Inset) -> None:
    subprocess.run(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "inset", "admin", "create-user", ADMIN_EMAIL, "--password-stdin"],
        env=inset.env,
        input=ADMIN_PASSWORD,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _seed(inset: Inset) -> None:
    """Data that makes each page show something: sessions, denials, a second release,
    resources of every type (with secrets, which the UI masks)."""
    _create_admin(inset)
    admin = _cli(inset.env, "tokens", "create", "--name", "ci-deploy", "--scope", "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    for supplier in (1, 2, 3):
        url = inset.mint(PORTAL_UUID, f"supplier-{supplier}", ["suppliers"], supplierId=supplier)
        httpx.get(url, timeout=10)
    inset.mint(GALLERY_UUID, "gallery-user", ["gallery-users"])
    httpx.post(f"{inset.base_url}/api/embed-url/external-user", json={}, timeout=10)  # a denial
    pages = inset.root / "apps" / "supplier-portal" / "pages"
    first = sorted(pages.glob("*.yaml"))[0]
    first.write_text(first.read_text().replace("title: ", "title: My ", 1))
    _cli(inset.env, "deploy", str(inset.root / "apps" / "supplier-portal"))
    resources = [
        {
            "name": "orders",
            "environment": "production",
            "type": "postgres",
            "host": "db.internal",
            "port": 5432,
            "database": "orders",
            "user": "inset_reader",
            "password": "not-shown-anywhere",
            "ssl": "require",
        },
        {
            "name": "billing-api",
            "type": "rest",
            "baseUrl": "https://billing.example.com/v2",
            "headers": [{"name": "Authorization", "value": "Bearer not-shown-anywhere"}],
        },
    ]
    for body in resources:
        httpx.post(
            f"{inset.base_url}/api/v1/resources", json=body, headers=headers, timeout=10
        ).raise_for_status()


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import Page, expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with start_inset() as inset, sync_playwright() as pw:
        _seed(inset)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 860}, device_scale_factor=1
        )
        page = context.new_page()
        page.set_default_timeout(15_000)

        def save(name: str, *, full: bool = False) -> None:
            path = out / f"admin-{name}.png"
            page.wait_for_timeout(400)  # toasts, charts and iframes settle
            page.screenshot(path=str(path), full_page=full)
            written.append(path)

        def visit(label: str, ready: Callable[[Page], None]) -> None:
            page.get_by_role("navigation", name="Admin").get_by_role("link", name=label).click()
            ready(page)

        page.goto(f"{inset.base_url}/admin")
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        save("sign-in")
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("navigation", name="Admin")).to_be_visible()
        page.locator("canvas").first.wait_for()
        save("overview")

        visit("Apps", lambda p: p.get_by_role("row").filter(has_text="supplier-portal").click())
        expect(page.get_by_role("heading", name="Compare releases")).to_be_visible()
        page.get_by_role("button", name="Show diff").click()
        page.locator("pre.diff").wait_for()
        save("apps", full=True)
        page.get_by_label("External identifier").fill("supplier-1")
        page.get_by_label("Groups").select_option(label="suppliers")
        page.get_by_label("Metadata (JSON)").fill('{"supplierId": 1}')
        page.get_by_role("button", name="Preview", exact=True).click()
        page.frame_locator("iframe.preview-frame").locator("table tbody tr").first.wait_for()
        page.locator("iframe.preview-frame").scroll_into_view_if_needed()
        save("apps-preview")

        # One group opened (rename, access per app, recent users), as docs/admin.md shows it.
        visit(
            "Groups", lambda p: p.get_by_role("cell", name="suppliers", exact=True).first.wait_for()
        )
        page.get_by_role("cell", name="suppliers", exact=True).first.click()
        expect(page.get_by_role("heading", name="Group: suppliers")).to_be_visible()
        page.get_by_role("link", name="supplier-1", exact=True).wait_for()
        save("groups")
        # One external user opened: their sessions, each live one with a Revoke button.
        visit(
            "External users",
            lambda p: p.get_by_role("cell", name="supplier-1", exact=True).first.wait_for(),
        )
        page.get_by_role("cell", name="supplier-1", exact=True).first.click()
        expect(page.get_by_role("heading", name="Sessions of supplier-1")).to_be_visible()
        page.get_by_role("button", name=re.compile(r"^Revoke the session")).first.wait_for()
        save("users")
        visit(
            "Access tokens",
            lambda p: p.get_by_role("cell", name="ci-deploy", exact=True).first.wait_for(),
        )
        save("tokens")
        visit(
            "Resources", lambda p: p.get_by_role("cell", name="billing-api", exact=True).wait_for()
        )
        save("resources")
        page.get_by_role("button", name="Edit orders (production)").click()
        page.get_by_role("dialog").wait_for()
        save("resources-edit")
        page.keyboard.press("Escape")

        visit("Audit log", lambda p: p.locator("tbody tr").first.wait_for())
        save("audit")
        page.locator("tbody tr").filter(has_text="session.started").first.click()
        page.get_by_role("dialog").wait_for()
        save("audit-event")
        page.keyboard.press("Escape")

        visit("Embed playground", lambda p: p.get_by_label("App").wait_for())
        page.get_by_label("App").select_option("supplier-portal")
        page.get_by_label("External identifier").fill("supplier-2")
        page.get_by_label("Groups").select_option(label="suppliers")
        page.get_by_label("Metadata (JSON)").fill('{"supplierId": 2}')
        page.get_by_label("Email").fill("buyer@supplier-two.example")
        page.get_by_role("button", name="Generate code and preview").click()
        page.frame_locator("iframe.preview-frame").locator("table tbody tr").first.wait_for()
        save("playground", full=True)

        tablet = browser.new_context(viewport={"width": 768, "height": 1024})
        page = tablet.new_page()
        page.goto(f"{inset.base_url}/admin")
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        with page.expect_response("**/admin/api/login"):
            page.get_by_role("button", name="Sign in").click()
        page.goto(f"{inset.base_url}/admin/resources")
        page.get_by_role("cell", name="billing-api", exact=True).wait_for()
        save("resources-768px")
        browser.close()
    return written


if __name__ == "__main__":
    main(shoot, __doc__)
