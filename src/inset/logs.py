"""structlog setup: console for people, JSON for log shippers. Secrets are never logged."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

import structlog

from inset.settings import get_settings


def configure_logging(stream: TextIO | None = None) -> None:
    """Configure structlog and the stdlib root logger from settings. The server logs to
    stdout; the CLI passes stderr so that stdout stays machine-readable."""
    settings = get_settings()
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stdout),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level, format="%(message)s", stream=stream or sys.stdout)
    # Alembic narrates its plugin set-up at INFO; our commands say what matters themselves.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactEmbedNonces) for f in access_log.filters):
        access_log.addFilter(RedactEmbedNonces())


_NONCE_PATH = re.compile(r"(/embed/r/)[^/?\s\"]+")


class RedactEmbedNonces(logging.Filter):
    """Access-log lines show ``/embed/r/…``: a logged nonce would be redeemable until it
    expires by anyone who can read the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _NONCE_PATH.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


log = structlog.get_logger("inset")
