"""dangan.compute."""
