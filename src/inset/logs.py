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
    json_lines = settings.log_format == "json"
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    stamp: list[structlog.typing.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *stamp, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    if json_lines:
        # uvicorn's and other libraries' stdlib records become JSON lines too.
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processor=structlog.processors.JSONRenderer(), foreign_pre_chain=stamp
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # JSON: the middleware's http_request line (request id, route template, status,
    # duration) replaces uvicorn's access line, which shows the raw path.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING if json_lines else level)
    # Alembic narrates its plugin set-up at INFO; our commands say what matters themselves.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    # aiosqlite logs every statement with its parameters at DEBUG: bind values (query
    # params, hashes) do not belong in logs even at INSET_LOG_LEVEL=debug.
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
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
