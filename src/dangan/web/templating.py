"""Jinja2 environment: autoescaping on, the catalogue's ``t`` and the role/stage names."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dangan.i18n import current_language, t

TEMPLATES = Path(__file__).parent / "templates"


def _fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M")


@cache
def make_templates() -> Jinja2Templates:
    """One environment per process (it holds nothing per request), its templates compiled
    once."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.auto_reload = False  # the package's templates do not change while it runs
    env.globals.update(t=t, lang=current_language)
    env.filters["time"] = _fmt_time
    env.filters["stage"] = lambda s: t(f"stage.{s}") if s else ""
    env.filters["status"] = lambda s: t(f"workflow.status.{s}") if s else ""
    env.filters["role"] = lambda r: t("web.role.admin") if r == "admin" else t(f"role.{r}")
    return templates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    account = getattr(request.state, "account", None)
    flash = request.cookies.get("dangan_flash", "")
    response = templates.TemplateResponse(
        request, name, {"account": account, "flash": _unquote(flash), **context},
        status_code=status_code)
    if flash:
        response.delete_cookie("dangan_flash", path="/")
    return response


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)[:500]
