"""dangan.export."""
