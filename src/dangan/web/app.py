"""``create_app(settings)``: the FastAPI application over one project.

Nothing is built at import time: the project (and so the database engine) is opened here,
from settings made at the edge. Pages are server-rendered Jinja2 with htmx; every asset is
served from the package (``static/vendor`` holds pinned third-party files, see MANIFEST.json).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dangan.i18n import set_language
from dangan.services.project import open_project
from dangan.web import errors
from dangan.web.deps import bounded_path_numbers, require_role
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
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'"))
# Threads serving requests per process: as many as the database pool keeps open (SQLAlchemy's
# default pool_size), so no request waits for, opens or closes an overflow connection; the
# work is CPU-bound Python, which more threads under one GIL would not make faster.
THREADS = 5


class LanguageAndHeaders:
    """Plain ASGI middleware: the account's language (from the cookie written at login and on
    each switch) for the request, and the security headers on every response unless the
    route set its own."""

    def __init__(self, app: ASGIApp, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = "zh"
        for name, value in scope["headers"]:
            if name == b"cookie":
                lang = cookie_parser(value.decode("latin-1")).get(LANG_COOKIE) or lang
        set_language(lang)

        secure = self.secure_cookies or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if secure:  # every cookie, whichever route set it (session, language, CSRF…)
                    headers = [(name, _secure_cookie(value) if name.lower() == b"set-cookie"
                                else value) for name, value in headers]
                present = {name.lower() for name, _v in headers}
                message["headers"] = [*headers, *(
                    (name, value) for name, value in SECURITY_HEADERS if name not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(value: bytes) -> bytes:
    """A ``Set-Cookie`` value marked ``Secure`` (sent back over HTTPS only), once."""
    attributes = [part.strip().lower() for part in value.split(b";")[1:]]
    return value if b"secure" in attributes else value + b"; Secure"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = THREADS
    await to_thread.run_sync(_warm, app)
    yield


def _warm(app: FastAPI) -> None:
    """Before the first request: every template compiled (once per process) and the
    database pool's connections opened, so the first people served do not pay for either."""
    env = app.state.templates.env
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    engine = app.state.ctx.engine
    connections = [engine.connect() for _ in range(THREADS)]
    for connection in connections:
        connection.close()


def create_app(settings: WebSettings) -> FastAPI:
    app = FastAPI(title="dangan", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=_lifespan, dependencies=[Depends(bounded_path_numbers)])
    app.state.settings = settings
    app.state.ctx = open_project(settings.project)
    app.state.templates = make_templates()

    app.add_middleware(LanguageAndHeaders, secure_cookies=settings.secure_cookies)
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
