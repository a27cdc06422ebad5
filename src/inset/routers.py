"""Every domain's router, mounted in one place."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Mount the routers of all domains on ``app``."""
    from inset.admin.routes import router as admin_router
    from inset.embed.routes import router as embed_router
    from inset.health import router as health_router
    from inset.runtime.routes import router as runtime_router

    app.include_router(health_router)
    app.include_router(embed_router)
    app.include_router(runtime_router)
    app.include_router(admin_router)
