"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from inset import __version__
from inset.audit.chainer import Chainer
from inset.auth.throttle import close as close_login_throttle
from inset.body_guard import BodyGuardMiddleware
from inset.db import Database, describe_db_error, is_unavailable
from inset.errors import DatabaseUnavailable, InsetError
from inset.logs import configure_logging, log
from inset.metrics import MetricsMiddleware
from inset.openapi import COMMON_ERRORS
from inset.queries.ratelimits import flush_suppressed_denials
from inset.request_context import RequestContextMiddleware
from inset.resources.connectors import close_all_connectors
from inset.runtime.routes import QUERY_RUN_PATH
from inset.settings import Settings, get_settings

STATIC_DIR = Path(__file__).parent / "runtime" / "static"

# Strict by default; pages that may be framed set their own frame-ancestors.
BASE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)


class RevalidatedStaticFiles(StaticFiles):
    """Static files browsers must revalidate (ETag) on each use: the runtime's modules import
    each other by plain relative URLs, so a cached old module must never mix with new ones."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def content_security_policy(frame_ancestors: list[str] | None) -> str:
    """The CSP for a page that may be framed only by ``frame_ancestors`` (none: deny)."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return f"{BASE_CSP}; frame-ancestors {ancestors}"


def validation_error_body(exc: RequestValidationError) -> dict[str, object]:
    """Pydantic errors as our error shape, naming the first bad field."""
    errors = exc.errors()
    details = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in errors
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    loc = [p for p in first["loc"] if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) if loc else None
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    error: dict[str, object] = {"code": "validation_error", "message": message, "details": details}
    if field:
        error["field"] = field
    return {"error": error}


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the ASGI app. ``database`` lets tests share one engine."""
    settings = settings or get_settings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.db = database or Database(settings.effective_database_url)
        # Links committed audit events into the hash chain; a last pass on shutdown.
        chainer = Chainer(app.state.db, settings.audit_chain_interval_ms / 1000)
        chainer.start()
        try:
            yield
        finally:
            # Refusals counted but not yet written (their window is still open): write the
            # aggregated auth.denied_suppressed events now, before the chainer's last pass.
            await flush_suppressed_denials(app.state.db)
            await chainer.stop()
            # Resource pools were opened in this event loop and must be closed in it.
            await close_all_connectors()
            await close_login_throttle()  # its Redis pool, if any
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="Inset",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=COMMON_ERRORS,
    )
    app.state.settings = settings
    if database is not None:
        app.state.db = database

    @app.exception_handler(InsetError)
    async def _inset_error(request: Request, exc: InsetError) -> JSONResponse:
        return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_error_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return JSONResponse(
            {"error": {"code": "internal_error", "message": "Internal error; see the server log."}},
            status_code=500,
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # The one place where "metadata database unreachable" becomes a clean 503.
        if not is_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database_unavailable", path=request.url.path, error=describe_db_error(exc))
        error = DatabaseUnavailable("The metadata database is unavailable; retry shortly.")
        return JSONResponse(error.to_body(), status_code=503, headers={"Retry-After": "5"})

    from inset.routers import include_routers

    # Before the routers: /admin/{page} (the admin UI's deep links) must not shadow it.
    app.mount(
        "/admin/static",
        RevalidatedStaticFiles(directory=Path(__file__).parent / "admin" / "static"),
        name="admin-static",
    )
    include_routers(app)
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")
    # Outermost last: the body timeout wraps everything; metrics see every answer.
    app.add_middleware(
        RequestContextMiddleware,
        max_bytes=settings.max_request_bytes,
        exempt=QUERY_RUN_PATH,  # sizes its own limit (file params)
        content_security_policy=content_security_policy,
    )
    app.add_middleware(MetricsMiddleware, log_requests=settings.log_format == "json")
    app.add_middleware(
        BodyGuardMiddleware,
        seconds=settings.body_timeout_seconds,
        max_bytes=settings.max_request_bytes,
        exempt=QUERY_RUN_PATH,
    )
    return app
