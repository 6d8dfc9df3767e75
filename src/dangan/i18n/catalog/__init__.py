"""Catalogue modules: one per area of dangan, each a ``MESSAGES`` dict key -> (zh, en).

Keys are ``area.thing``; each module owns the keys of its area, so parallel work on
different areas never edits the same file. ``dangan.i18n.catalogue()`` merges them.
"""
