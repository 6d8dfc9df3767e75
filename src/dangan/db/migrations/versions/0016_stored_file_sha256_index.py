"""stored files found by their checksum without reading every row of the project

``dangan check -p`` looks each page's SHA-256 up among the project's ingested pages (a page
identical to one already stored is a duplicate); without an index each lookup read every
stored file of the project's area. An index on (project_id, area, sha256) makes it a few index
probes (the area in it: SQLite's planner, without statistics, prefers an index that matches
every equality of the query).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stored_file_project_area_sha256", "stored_file",
                    ["project_id", "area", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_stored_file_project_area_sha256", table_name="stored_file")
