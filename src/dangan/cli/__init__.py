"""dangan.cli."""
