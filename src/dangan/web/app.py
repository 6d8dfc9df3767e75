"""``create_app(settings)``: the FastAPI application over one project.

Nothing is built at import time: the project (and so the database engine) is opened here,
from settings made at the edge. Pages are server-rendered Jinja2 with htmx; every asset is
served from the package (``static/vendor`` holds pinned third-party files, see MANIFEST.json).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from dangan.i18n import set_language
from dangan.services.project import open_project
from dangan.web import errors
from dangan.web.deps import require_role
from dangan.web.routes import api, auth, batches, pages, progress, qc_desk, tasks, users, volumes
from dangan.web.routes import audit as audit_desk
from dangan.web.routes import borrow as borrow_desk
from dangan.web.routes import dashboard as dashboard_desk
from dangan.web.routes import index_desk as index_routes
from dangan.web.routes import package_desk as package_routes
from dangan.web.routes import records as records_desk
from dangan.web.routes import retouch_desk as retouch_routes
from dangan.web.routes import scan_station as scan_routes
from dangan.web.settings import WebSettings
from dangan.web.templating import make_templates

STATIC = Path(__file__).parent / "static"
# every router of the application with its prefix (the security tests walk this list)
ROUTERS = ((auth.router, ""), (tasks.router, ""), (batches.router, ""), (progress.router, ""),
           (volumes.router, ""), (users.router, ""), (api.router, "/api/v1"),
           (borrow_desk.router, ""), (records_desk.router, ""), (pages.router, ""),
           (qc_desk.router, ""), (audit_desk.router, ""), (retouch_routes.router, ""),
           (index_routes.router, ""), (scan_routes.router, ""),
           (package_routes.router, ""), (dashboard_desk.router, ""))
LANG_COOKIE = "dangan_lang"


def create_app(settings: WebSettings) -> FastAPI:
    app = FastAPI(title="dangan", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.ctx = open_project(settings.project)
    app.state.templates = make_templates()

    @app.middleware("http")
    async def language_and_headers(request: Request,
                                   call_next: Callable[[Request], Awaitable[Response]]
                                   ) -> Response:
        # the account's language travels in a cookie written at login and on each switch
        set_language(request.cookies.get(LANG_COOKIE) or "zh")
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        return response

    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router, prefix in ROUTERS:
        app.include_router(router, prefix=prefix)
    _docs(app)
    return app


def _docs(app: FastAPI) -> None:
    """OpenAPI at /api/docs, with Swagger UI from the vendored files (no CDN), for accounts."""
    signed_in = [Depends(require_role())]

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=signed_in)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, dependencies=signed_in)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/api/openapi.json", title="dangan API",
            swagger_js_url="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui-dist/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg")
        # Swagger UI starts itself with an inline script; everything else stays 'self'
        page.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; connect-src 'self'")
        return page


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes read the environment)."""
    return create_app(WebSettings.from_env())
