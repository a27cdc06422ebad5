"""The browser fixtures of tests/browser (Chromium, a recorded page per test), shared."""

from tests.browser.conftest import browser, console, page

__all__ = ["browser", "console", "page"]
