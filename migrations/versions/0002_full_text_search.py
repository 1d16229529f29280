"""full-text search over papers(title, abstract) and read-path indexes

SQLite: an FTS5 external-content table `papers_fts` (content='papers', content_rowid='id') kept in
sync by three triggers. PostgreSQL: a stored generated tsvector column `search_vector` (title
weight A, abstract weight B, 'english') under a GIN index. Both stem English; see app/search.py.

Read-path indexes: papers.modified_at (the data version behind ETags) on both databases;
PostgreSQL also gets (published_on DESC NULLS LAST, id DESC) for newest-first pages (SQLite's
index on published_on already ends in the rowid and serves that order).

A later migration that rebuilds `papers` in SQLite batch mode (copy, drop, rename) drops these
triggers with the old table: it must create them again and rebuild the index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: a migration is a snapshot, not a reader of today's app code.
SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content='papers', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN "
    "INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END",
    "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "END",
    # Only a change to the indexed text touches the index (version bumps rewrite other columns).
    "CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers BEGIN "
    "INSERT INTO papers_fts(papers_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); "
    "END",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS papers_fts_update",
    "DROP TRIGGER IF EXISTS papers_fts_delete",
    "DROP TRIGGER IF EXISTS papers_fts_insert",
    "DROP TABLE IF EXISTS papers_fts",
)
POSTGRESQL_UPGRADE = (
    "ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')) STORED",
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    "CREATE INDEX ix_papers_newest ON papers (published_on DESC NULLS LAST, id DESC)",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_papers_newest",
    "DROP INDEX IF EXISTS ix_papers_search_vector",
    "ALTER TABLE papers DROP COLUMN IF EXISTS search_vector",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UPGRADE if postgres else SQLITE_UPGRADE:
        op.execute(statement)
    op.create_index("ix_papers_modified_at", "papers", ["modified_at"], unique=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_papers_modified_at", table_name="papers")
    for statement in POSTGRESQL_DOWNGRADE if postgres else SQLITE_DOWNGRADE:
        op.execute(statement)
