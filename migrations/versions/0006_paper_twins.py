"""preprint ↔ journal article twins: the journal version's DOI and link on the preprint's paper

`journal_doi` is the DOI of the journal article a preprint became when it differs from `doi`
(bioRxiv's `published`; a second DOI in arXiv's DOI field; the old key of a journal paper a
preprint took over). It is indexed because the store looks twins up by it; the index is
partial (NOT NULL), so papers without a journal version cost no index write. `journal_url` is the
journal article's own link once a journal feed listed it.

Plain nullable add_column: no SQLite batch rebuild of `papers`, which would drop the FTS5
triggers of 0002.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("papers", sa.Column("journal_doi", sa.String(length=300), nullable=True))
    op.add_column("papers", sa.Column("journal_url", sa.String(length=2000), nullable=True))
    op.create_index(
        "ix_papers_journal_doi",
        "papers",
        ["journal_doi"],
        unique=False,
        sqlite_where=sa.text("journal_doi IS NOT NULL"),
        postgresql_where=sa.text("journal_doi IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_papers_journal_doi", table_name="papers")
    # SQLite ≥ 3.35 drops a column in place (ALTER TABLE … DROP COLUMN), triggers untouched.
    op.drop_column("papers", "journal_url")
    op.drop_column("papers", "journal_doi")
