"""dangan.samples."""
