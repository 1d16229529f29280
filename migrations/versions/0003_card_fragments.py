"""card fragments: each paper's card rendered once; search statistics on PostgreSQL

`card_fragments` caches the HTML of each paper's card (app/web/cards.py); the worker fills it and
pages fall back to rendering when a row is missing or stale, so it may be emptied at any time.

PostgreSQL: `search_vector` gets a statistics target of 1000 so the planner knows rare words from
unknown ones; with the default (100) a word absent from the sample is estimated at hundreds of
matches and a one-match query scans the newest-first index for seconds (bench/search.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_fragments",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("paper_modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_card_fragments_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_card_fragments")),
    )
    op.create_index(
        op.f("ix_card_fragments_paper_modified_at"),
        "card_fragments",
        ["paper_modified_at"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE papers ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute("ANALYZE papers")  # the new target counts from the next ANALYZE (seconds)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE papers ALTER COLUMN search_vector SET STATISTICS -1")
    op.drop_index(op.f("ix_card_fragments_paper_modified_at"), table_name="card_fragments")
    op.drop_table("card_fragments")
