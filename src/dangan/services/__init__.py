"""dangan.services."""
