"""snapshot import progress: where each arXiv snapshot file's import stopped

One row per snapshot file (identified by its size and a hash of its first bytes), updated in the
same transaction as each batch of papers, so a killed import resumes exactly where it stopped.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snapshot_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("byte_offset", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("papers_new", sa.Integer(), nullable=False),
        sa.Column("papers_updated", sa.Integer(), nullable=False),
        sa.Column("papers_unchanged", sa.Integer(), nullable=False),
        sa.Column("lines_malformed", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_imports")),
        sa.UniqueConstraint("file_key", name=op.f("uq_snapshot_imports_file_key")),
    )


def downgrade() -> None:
    op.drop_table("snapshot_imports")
