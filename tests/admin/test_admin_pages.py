"""The admin UI in Chromium against a real `inset serve`: sign-in, Overview, Groups,
External users, Access tokens, keyboard navigation."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.admin.conftest import ADMIN_EMAIL, AdminServer, sign_in
from tests.support.live import Console, recorded_page, running_server


def open_page(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Admin").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def test_sign_in_shows_errors_then_signs_in_and_out(
    anon_page: Page, admin_console: Console
) -> None:
    sign_in(anon_page, password="not the right password")
    expect(anon_page.get_by_role("alert")).to_have_text(re.compile("Wrong email or password"))
    expect(anon_page.get_by_role("navigation", name="Admin")).to_have_count(0)
    sign_in(anon_page)
    expect(anon_page.get_by_role("navigation", name="Admin")).to_be_visible()
    expect(anon_page.get_by_text(ADMIN_EMAIL)).to_be_visible()
    anon_page.get_by_role("button", name="Sign out").click()
    expect(anon_page.get_by_text("You have signed out.")).to_be_visible()
    anon_page.reload()
    expect(anon_page.get_by_role("heading", name="Sign in to Inset")).to_be_visible()
    assert admin_console.csp_violations() == [] and admin_console.errors == []


def test_overview_shows_usage_chart_and_recent_denials(
    admin_page: Page, admin_server: AdminServer
) -> None:
    admin_server.start_embed_session("overview-user")
    denied = httpx.get(
        f"{admin_server.url}/api/v1/tokens",
        headers={"Authorization": "Bearer ins_not-a-real-token"},
        timeout=10,
    )
    assert denied.status_code == 401
    admin_page.reload()
    expect(admin_page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    chart = admin_page.get_by_role("img", name=re.compile(r"Usage per day\. Sessions: [1-9]"))
    expect(chart).to_be_visible()
    admin_page.wait_for_function(
        "() => { const c = document.querySelector('.chart-box canvas');"
        " return c && c.width > 0 && c.getContext('2d') && c.dataset !== undefined; }"
    )
    denials = admin_page.locator("section.panel", has_text="Recent denials")
    expect(denials.get_by_role("cell", name="invalid_token").first).to_be_visible()
    expect(denials.get_by_role("cell", name="GET /api/v1/tokens").first).to_be_visible()


def test_overview_lists_denials_and_errors_of_every_type(
    admin_page: Page, admin_server: AdminServer
) -> None:
    """Recent denials: outcome denied whatever the type (a refused sign-in is admin.login,
    not auth.denied); both panels link to the audit log filtered by outcome only."""
    wrong = httpx.post(
        f"{admin_server.url}/admin/api/login",
        json={"email": "nobody@example.com", "password": "not a password at all"},
        timeout=10,
    )
    assert wrong.status_code == 401  # admin.login, outcome denied
    admin_page.reload()
    denials = admin_page.locator("section.panel", has_text="Recent denials")
    row = denials.get_by_role("row", name=re.compile("admin.login"))
    expect(row.first).to_contain_text("unknown_email")
    link = denials.get_by_role("link", name="Open in the audit log")
    expect(link).to_have_attribute("href", "/admin/audit?outcome=denied")
    errors = admin_page.locator("section.panel", has_text="Recent errors")
    expect(errors.get_by_role("link", name="Open in the audit log")).to_have_attribute(
        "href", "/admin/audit?outcome=error"
    )


def test_a_post_without_the_csrf_token_is_refused_in_the_browser(
    admin_page: Page, admin_server: AdminServer
) -> None:
    """Script on a signed-in admin page (the cookie rides along) that does not send the
    session's X-CSRF-Token: 403 csrf_failed, and the group is not created."""
    answers = admin_page.evaluate(
        """async () => {
          const post = async (headers) => {
            const response = await fetch("/api/v1/groups", {
              method: "POST",
              headers: { "Content-Type": "application/json", ...headers },
              body: JSON.stringify({ name: "csrf-less" }),
            });
            return { status: response.status, body: await response.json() };
          };
          return [await post({}), await post({ "X-CSRF-Token": "forged" })];
        }"""
    )
    for answer in answers:
        assert answer["status"] == 403, answer
        assert answer["body"]["error"]["code"] == "csrf_failed"
    groups = httpx.get(
        f"{admin_server.url}/api/v1/groups",
        headers={"Authorization": f"Bearer {admin_server.admin_token}"},
        timeout=10,
    )
    assert groups.status_code == 200
    assert "csrf-less" not in {g["name"] for g in groups.json()}
    # The session itself is fine: the UI's own calls (with the token) still work.
    admin_page.reload()
    expect(admin_page.get_by_role("navigation", name="Admin")).to_be_visible()


def test_create_and_rename_a_group(admin_page: Page) -> None:
    open_page(admin_page, "Groups")
    admin_page.get_by_label("Group name").fill("partners")
    admin_page.get_by_role("button", name="Create group").click()
    row = admin_page.get_by_role("row", name=re.compile(r"partners"))
    expect(row).to_be_visible()
    # A taken name is a field error.
    admin_page.get_by_label("Group name").fill("suppliers")
    admin_page.get_by_role("button", name="Create group").click()
    expect(admin_page.get_by_text("A group named 'suppliers' already exists.")).to_be_visible()
    row.click()
    expect(admin_page.get_by_role("heading", name="Group: partners")).to_be_visible()
    assert re.search(r"/admin/groups/\d+$", admin_page.url)
    access = admin_page.get_by_role("table", name=re.compile("level this group has"))
    expect(access.get_by_role("row", name=re.compile("Admin test app.*none"))).to_be_visible()
    expect(admin_page.get_by_text("access levels live in each app's")).to_be_visible()
    admin_page.get_by_label("Name", exact=True).fill("partners-eu")
    admin_page.get_by_role("button", name="Rename").click()
    expect(admin_page.get_by_role("heading", name="Group: partners-eu")).to_be_visible()
    expect(admin_page.get_by_role("row", name=re.compile(r"partners-eu"))).to_be_visible()
    # A deep link opens the same view.
    admin_page.reload()
    expect(admin_page.get_by_role("heading", name="Group: partners-eu")).to_be_visible()


def test_search_a_user_and_revoke_their_sessions(
    admin_page: Page, admin_server: AdminServer
) -> None:
    session_token = admin_server.start_embed_session("acme-buyer-7")
    other_token = admin_server.start_embed_session("someone-else")
    assert admin_server.runtime_status(session_token) == 200
    open_page(admin_page, "External users")
    admin_page.get_by_label("Search by identifier, email or name").fill("ACME-buyer")
    admin_page.get_by_role("button", name="Search", exact=True).click()
    rows = admin_page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and acme-buyer-7
    rows.nth(1).click()
    sessions = admin_page.locator("section.panel", has_text="Sessions of acme-buyer-7")
    expect(sessions.get_by_text("live")).to_be_visible()
    sessions.get_by_role("button", name="Revoke all sessions").click()
    dialog = admin_page.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke every session of acme-buyer-7?")
    dialog.get_by_role("button", name="Revoke all sessions").click()
    expect(admin_page.get_by_text("Revoked 1 session.")).to_be_visible()
    expect(sessions.get_by_text("revoked")).to_be_visible()
    assert admin_server.runtime_status(session_token) == 401
    assert admin_server.runtime_status(other_token) == 200


def test_create_copy_use_and_revoke_a_token(admin_page: Page, admin_server: AdminServer) -> None:
    admin_page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=admin_server.url
    )
    open_page(admin_page, "Access tokens")
    admin_page.get_by_label("Name").fill("ui-embed")
    expect(admin_page.get_by_role("checkbox", name=re.compile("^embed"))).to_be_checked()
    admin_page.get_by_role("button", name="Create token").click()
    dialog = admin_page.get_by_role("dialog", name='Token "ui-embed" created')
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This is the only time the token is shown")
    dialog.get_by_role("button", name="Copy to the clipboard").click()
    expect(dialog.get_by_role("button", name="Copy to the clipboard")).to_have_text("Copied")
    secret = admin_page.evaluate("navigator.clipboard.readText()")
    assert secret.startswith("ins_")
    assert secret == dialog.get_by_label("Token").input_value()
    assert admin_server.mint("token-user", token=secret).status_code == 200
    dialog.get_by_role("button", name="I have stored it").click()
    expect(dialog).to_be_hidden()
    row = admin_page.get_by_role("row", name=re.compile("ui-embed"))
    expect(row).to_contain_text("active")
    expect(row).not_to_contain_text(secret)
    row.get_by_role("button", name="Revoke ui-embed").click()
    admin_page.get_by_role("dialog").get_by_role("button", name="Revoke token").click()
    expect(row).to_contain_text("revoked")
    refused = admin_server.mint("token-user", token=secret)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"


def test_keyboard_reaches_the_nav_and_opens_a_page(admin_page: Page) -> None:
    # The shell renders after its modules load: tab only once the nav is there.
    expect(admin_page.get_by_role("link", name="Access tokens")).to_be_visible()
    for _ in range(30):
        admin_page.keyboard.press("Tab")
        focused = admin_page.evaluate("document.activeElement.textContent")
        if focused == "Access tokens":
            break
    else:
        raise AssertionError("Tab never reached the Access tokens link")
    admin_page.keyboard.press("Enter")
    expect(admin_page.get_by_role("heading", level=1, name="Access tokens")).to_be_visible()
    current = admin_page.get_by_role("link", name="Access tokens")
    expect(current).to_have_attribute("aria-current", "page")


def test_tablet_width_menu(admin_page: Page) -> None:
    admin_page.set_viewport_size({"width": 768, "height": 1000})
    nav = admin_page.get_by_role("navigation", name="Admin")
    expect(nav).to_be_hidden()
    menu = admin_page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Groups").click()
    expect(admin_page.get_by_role("heading", level=1, name="Groups")).to_be_visible()
    expect(nav).to_be_hidden()


def test_an_ended_session_shows_the_sign_in_form_then_the_same_page(admin_page: Page) -> None:
    open_page(admin_page, "Groups")
    expect(admin_page.get_by_role("row", name=re.compile("suppliers"))).to_be_visible()  # loaded
    admin_page.context.clear_cookies()  # as if the session had expired
    admin_page.get_by_role("navigation", name="Admin").get_by_role(
        "link", name="Access tokens"
    ).click()
    expect(
        admin_page.get_by_text("Your session has ended. Sign in again to continue.")
    ).to_be_visible()
    sign_in(admin_page)
    expect(admin_page.get_by_role("heading", level=1, name="Access tokens")).to_be_visible()


def test_first_run_setup_in_the_browser(
    tmp_path: Path, admin_browser: Browser, admin_console: Console
) -> None:
    with (
        running_server(tmp_path) as server,
        recorded_page(admin_browser, admin_console) as page,
    ):
        page.set_default_timeout(20_000)
        page.goto(f"{server.url}/admin")
        expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
        expect(page.get_by_label("Setup token")).to_have_count(0)  # loopback: not needed
        page.get_by_label("Email").fill("first@example.com")
        page.get_by_label("Password", exact=True).fill("short")
        page.get_by_label("Repeat the password").fill("short")
        page.get_by_role("button", name="Create and sign in").click()
        expect(page.get_by_text("password must be at least 12 characters")).to_be_visible()
        page.get_by_label("Password", exact=True).fill("a long enough password")
        page.get_by_label("Repeat the password").fill("a long enough password")
        page.get_by_role("button", name="Create and sign in").click()
        expect(page.get_by_role("navigation", name="Admin")).to_be_visible()
        expect(page.get_by_text("first@example.com")).to_be_visible()
    assert admin_console.csp_violations() == [] and admin_console.errors == []
