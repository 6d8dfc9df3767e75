"""CSRF protection: a synchroniser token kept in the server-side session.

Every page form carries it as the hidden field ``csrf_token``; htmx sends it as the
``X-CSRF-Token`` header (set once on ``<body hx-headers>``). A state-changing request whose
token is missing or wrong is refused (403) and recorded. API calls authenticated by a bearer
token carry no cookie, so they cannot be forged by another site and need no CSRF token.
The login form, which has no session yet, uses a double-submit cookie instead, whose token
the server signs (HMAC-SHA256 with the server's login key, ``WebSettings.login_key``) and dates:
a cookie and field an attacker made up themselves (``csrf_token=a`` with ``dangan_login_csrf=a``)
are refused, and so is a token older than ``LOGIN_TOKEN_MAX_AGE``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fastapi import Request

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "dangan_login_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_TOKEN_MAX_AGE = timedelta(hours=24)


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


def _login_signature(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()


def new_login_token(key: bytes, at: datetime) -> str:
    """``<nonce>.<issued, epoch seconds>.<HMAC of both>``."""
    payload = f"{secrets.token_urlsafe(18)}.{int(at.timestamp())}"
    return f"{payload}.{_login_signature(key, payload)}"


def login_token_valid(key: bytes, token: str, at: datetime) -> bool:
    """Whether ``token`` was signed with ``key`` and issued within ``LOGIN_TOKEN_MAX_AGE``."""
    payload, _, signature = token.rpartition(".")
    issued = payload.rpartition(".")[2]
    if not payload.isascii() or not issued.isdigit() or len(issued) > 12:
        return False
    if not hmac.compare_digest(_login_signature(key, payload), signature):
        return False
    age = at.timestamp() - int(issued)
    return -60 <= age <= LOGIN_TOKEN_MAX_AGE.total_seconds()  # a minute of clock skew


def login_tokens_match(key: bytes, cookie: str, given: str, at: datetime) -> bool:
    """The login form's check: the field equals the cookie, and the server signed it."""
    return tokens_match(cookie, given) and login_token_valid(key, given, at)
