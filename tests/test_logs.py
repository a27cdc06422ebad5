"""Secrets never reach the logs."""

from __future__ import annotations

import logging

from inset.logs import RedactEmbedNonces, configure_logging


def test_access_log_redacts_embed_nonces() -> None:
    configure_logging()
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactEmbedNonces) for f in access.filters)
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5",
            "GET",
            "/embed/r/Zm9vYmFyLWJhei0xMjM0NTY3ODkwMTIzNDU2Nzg5MDEy?x=1",
            "1.1",
            200,
        ),
        None,
    )
    assert RedactEmbedNonces().filter(record)
    assert "Zm9vYmFy" not in record.getMessage()
    assert "/embed/r/…?x=1" in record.getMessage()
