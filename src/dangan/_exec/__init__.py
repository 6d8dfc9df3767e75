"""Wrappers of external programs used outside the page pipeline (one module per tool)."""
