"""Resource tests close every cached connector they opened."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from inset.resources.connectors import close_all_connectors


@pytest.fixture(autouse=True)
async def _close_connectors() -> AsyncIterator[None]:
    yield
    await close_all_connectors()
