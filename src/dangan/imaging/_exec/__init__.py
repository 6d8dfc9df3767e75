"""One wrapper module per external tool the imaging steps call (models or programs)."""
