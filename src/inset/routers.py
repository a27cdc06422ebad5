"""Every domain's router, mounted in one place."""

from __future__ import annotations

from fastapi import FastAPI


def include_routers(app: FastAPI) -> None:
    """Mount the routers of all domains on ``app``."""
    from inset.access.routes import router as access_router
    from inset.admin.routes import router as admin_router
    from inset.admin.ui_routes import router as admin_ui_router
    from inset.apps.routes import router as apps_router
    from inset.audit.routes import router as audit_router
    from inset.embed.preview_routes import router as preview_router
    from inset.embed.routes import router as embed_router
    from inset.health import router as health_router
    from inset.metrics import router as metrics_router
    from inset.resources.routes import router as resources_router
    from inset.runtime.routes import router as runtime_router
    from inset.sdk import router as sdk_router

    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(embed_router)
    app.include_router(runtime_router)
    app.include_router(admin_router)
    app.include_router(admin_ui_router)
    app.include_router(audit_router)
    app.include_router(access_router)
    app.include_router(apps_router)
    app.include_router(preview_router)
    app.include_router(resources_router)
    app.include_router(sdk_router)
