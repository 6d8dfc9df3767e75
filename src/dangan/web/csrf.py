"""CSRF protection: a synchroniser token kept in the server-side session.

Every page form carries it as the hidden field ``csrf_token``; htmx sends it as the
``X-CSRF-Token`` header (set once on ``<body hx-headers>``). A state-changing request whose
token is missing or wrong is refused (403) and recorded. API calls authenticated by a bearer
token carry no cookie, so they cannot be forged by another site and need no CSRF token.
The login form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import secrets

from fastapi import Request

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "dangan_login_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def submitted_token(request: Request) -> str:
    """The token the request carries: the header first, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # cached on the request; the route reads it again
        value = form.get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


def tokens_match(expected: str, given: str) -> bool:
    return bool(expected) and bool(given) and secrets.compare_digest(expected, given)
