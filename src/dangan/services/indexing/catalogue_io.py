"""Moved to ``dangan.io.catalogue`` (spreadsheet readers live in the input/output package)."""

from dangan.io.catalogue import CatalogueInput, read_catalogue

__all__ = ["CatalogueInput", "read_catalogue"]
