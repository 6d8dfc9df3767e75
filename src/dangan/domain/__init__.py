"""dangan.domain."""
