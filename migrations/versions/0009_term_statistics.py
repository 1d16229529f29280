"""term statistics: the radar's document frequencies, estimated from a sample of papers

One JSON row per build (app.radar.stats explains the choice of a stored sample); the newest row
is the one in use. AUTOINCREMENT on SQLite, so a rebuilt table never hands an old id (which names
the build in every process's caches) to a new build.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "term_statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("corpus_papers", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_statistics")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("term_statistics")
