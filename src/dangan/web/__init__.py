"""The line in the browser: a FastAPI application over the services layer.

``create_app(settings)`` builds everything (no engine, no settings at import time);
``deps`` holds the typed dependencies (project context, current account, ``require_role``),
``security`` passwords, sessions, tokens and login throttling, ``csrf`` the synchroniser
token, ``routes/`` one module per noun.
"""
