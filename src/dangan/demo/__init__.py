"""dangan.demo."""
