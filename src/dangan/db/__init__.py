"""dangan.db."""
