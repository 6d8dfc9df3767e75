"""Scan intake: walk the scan share, check names and content, renumber, ingest, fixity, watch."""
