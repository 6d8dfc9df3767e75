"""One handler for every error: a ``DanganError`` (and the framework's 404/405/422) rendered
as an HTML page or as JSON with its ``http_status`` (the shape of datasette's
handle_exception). A page that needs a session redirects to the login form instead."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dangan.errors import DanganError, InputError, NotFoundError, StorageError
from dangan.i18n import catalogue, t
from dangan.web.security import NotAuthenticated
from dangan.web.templating import render


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


log = logging.getLogger(__name__)


def for_the_browser(exc: DanganError) -> DanganError:
    """What a request may be told: a database error names its server (user, host, schema)
    and the server's own words, which go to the log; the person is told it failed."""
    if exc.key not in ("project.db_error", "project.db_unreachable"):
        return exc
    log.error("%s", exc.message)
    shown = StorageError("web.db_error")
    shown.http_status = exc.http_status
    return shown


WEB_WORDING = "_web"  # ``<key>_web``: the key's message as the web application says it


def said_on_the_web(exc: DanganError) -> DanganError:
    """A refusal as the web says it: when the catalogue holds ``<key>_web`` (the key's own
    text tells the command line's options; that one names the page's fields and buttons),
    the error is said with it. The key, status, parameters and details stay as they are
    (a JSON caller still reads ``key``); the command line keeps its own words."""
    web_key = exc.key + WEB_WORDING
    if exc.said_as is None and web_key in catalogue():
        exc.said_as = web_key
    return exc


def handle_error(request: Request, exc: DanganError) -> Response:
    exc = said_on_the_web(for_the_browser(exc))
    if wants_json(request):
        response: Response = JSONResponse(exc.to_dict(), status_code=exc.http_status)
    elif isinstance(exc, NotAuthenticated) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    else:
        response = render(request, "error.html", status_code=exc.http_status, error=exc)
    if isinstance(exc, NotAuthenticated):
        if request.headers.get("HX-Request") and not wants_json(request):
            response = _session_gone(request)
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _session_gone(request: Request) -> Response:
    """An htmx request whose session expired. A boosted link (GET) goes to the login form and
    back; anything else (live validation, a boosted form) must not navigate away from what the
    user typed: 401, nothing swapped, the notice shown out of band with a login link (new
    window) that returns to this page."""
    if request.method == "GET" and request.headers.get("HX-Boosted"):  # a link: go there after
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: Response = Response(status_code=401)
        response.headers["HX-Redirect"] = f"/login?next={quote(target, safe='')}"
        return response
    login_url = f"/login?next={quote(_current_path(request), safe='')}"
    notice = (f'<div id="session-notice" hx-swap-oob="true"><p class="flash error" role="alert" '
              f'data-key="web_forms.session_expired">{escape(t("web_forms.session_expired"))} '
              f'<a href="{escape(login_url)}" target="_blank" rel="opener" hx-boost="false">'
              f'{escape(t("web_forms.session_login"))}</a></p></div>')
    response = HTMLResponse(notice, status_code=401)
    response.headers["HX-Reswap"] = "none"
    return response


def _current_path(request: Request) -> str:
    """The page the user is on (htmx's ``HX-Current-URL``), when it is this server's."""
    from dangan.web.routes.auth import safe_next  # the one rule of a safe ``next``

    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.netloc and current.netloc != request.url.netloc:
        return "/tasks"
    path = current.path + (f"?{current.query}" if current.query else "")
    return safe_next(path)


# pydantic's error types -> the catalogue's message (web.invalid.<kind>)
_KINDS = {
    "missing": "missing", "string_too_long": "string_too_long",
    "string_too_short": "string_too_short", "too_long": "too_long", "too_short": "too_short",
    "int_parsing": "int", "int_type": "int", "int_from_float": "int",
    "float_parsing": "number", "float_type": "number", "decimal_parsing": "number",
    "bool_parsing": "bool", "bool_type": "bool",
    "greater_than_equal": "greater_than_equal", "less_than_equal": "less_than_equal",
    "greater_than": "greater_than", "less_than": "less_than",
    "literal_error": "choice", "enum": "choice", "json_invalid": "json",
}
_WHERE = {"body", "query", "path", "header", "cookie"}


def field_label(loc: Iterable[Any]) -> str:
    """The label of the field an error is about (``web.field.<name>``; the name itself when
    the catalogue has no label for it)."""
    names = [str(p) for p in loc if isinstance(p, str) and p not in _WHERE]
    if not names:
        return t("web.field.unnamed")
    key = f"web.field.{names[-1]}"
    return t(key) if key in catalogue() else names[-1]


def validation_message(error: Mapping[str, Any]) -> str:
    """One validation error in the reader's language, naming the field by its label."""
    kind = _KINDS.get(str(error.get("type", "")), "other")
    params = {k: v for k, v in (error.get("ctx") or {}).items()
              if k in ("max_length", "min_length", "ge", "le", "gt", "lt")}
    return t(f"web.invalid.{kind}", field=field_label(error.get("loc", ())), **params)


def _from_http(exc: StarletteHTTPException, request: Request) -> DanganError:
    if exc.status_code == 404:
        return NotFoundError("web.not_found", path=request.url.path)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = DanganError("web.method_not_allowed", method=request.method[:20],
                            path=request.url.path, allowed=allowed)
        error.http_status = 405
        return error
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
        response = handle_error(request, _from_http(exc, request))
        if exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]  # what the path does accept
        return response

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        lines = [validation_message(e) for e in exc.errors()]
        return handle_error(request, InputError("error.input", details=lines))

    app.add_exception_handler(DanganError, on_dangan)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
