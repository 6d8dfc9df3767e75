"""Running a site: backup and restore, the scan stations' local-copy rule."""
