"""dangan.imaging."""
