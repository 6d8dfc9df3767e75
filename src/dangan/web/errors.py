"""One handler for every error: a ``DanganError`` (and the framework's 404/405/422) rendered
as an HTML page or as JSON with its ``http_status`` (the shape of datasette's
handle_exception). A page that needs a session redirects to the login form instead."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from dangan.errors import DanganError, InputError, NotFoundError
from dangan.web.security import NotAuthenticated
from dangan.web.templating import render


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def handle_error(request: Request, exc: DanganError) -> Response:
    if wants_json(request):
        response: Response = JSONResponse(exc.to_dict(), status_code=exc.http_status)
    elif isinstance(exc, NotAuthenticated) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    else:
        response = render(request, "error.html", status_code=exc.http_status, error=exc)
    if isinstance(exc, NotAuthenticated):
        response.headers["WWW-Authenticate"] = "Bearer"
        if request.headers.get("HX-Request"):
            response.headers["HX-Redirect"] = "/login"
    return response


def _from_http(exc: StarletteHTTPException, request: Request) -> DanganError:
    if exc.status_code == 404:
        return NotFoundError("web.not_found", path=request.url.path)
    error = (DanganError("error.internal", detail=exc.detail) if exc.status_code >= 500
             else DanganError("error.input"))
    error.http_status = exc.status_code
    return error


def install(app: FastAPI) -> None:
    async def on_dangan(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DanganError)
        return handle_error(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return handle_error(request, _from_http(exc, request))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        lines = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                 for e in exc.errors()]
        return handle_error(request, InputError("error.input", details=lines))

    app.add_exception_handler(DanganError, on_dangan)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
