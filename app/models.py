"""SQLAlchemy 2 tables. The migrations under migrations/ are the truth; a test keeps both equal."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A feed or API query we poll, with its HTTP validators and health."""

    __tablename__ = "sources"
    # Source ids appear in URLs (`?source=3`): never hand a removed source's id to a new one.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="new")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class PollRun(Base):
    """One attempt at one source: what happened, what it stored, what went wrong."""

    __tablename__ = "poll_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20), default="poll")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    http_status: Mapped[int | None] = mapped_column(Integer)
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    papers_new: Mapped[int] = mapped_column(Integer, default=0)
    papers_updated: Mapped[int] = mapped_column(Integer, default=0)
    listings_new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_poll_runs_source_started", "source_id", "started_at"),)


class Paper(Base):
    """One paper per canonical key (arXiv id, else DOI, else source guid)."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300), index=True)
    # A preprint's journal article, when known (twins): its DOI if not `doi`, and its link.
    journal_doi: Mapped[str | None] = mapped_column(String(300))
    journal_url: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    abstract_html: Mapped[str | None] = mapped_column(Text)
    announce_type: Mapped[str | None] = mapped_column(String(20))
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    primary_category: Mapped[str | None] = mapped_column(String(64))
    source_label: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    pdf_url: Mapped[str | None] = mapped_column(String(2000))
    comments: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    # Partial: only preprints with a known journal version are indexed, so the many papers
    # without one cost no index write (the twin lookup's `journal_doi IN (…)` implies NOT NULL).
    __table_args__ = (
        Index(
            "ix_papers_journal_doi",
            "journal_doi",
            sqlite_where=text("journal_doi IS NOT NULL"),
            postgresql_where=text("journal_doi IS NOT NULL"),
        ),
    )


class Author(Base):
    """A person as bylines name them; `match_key` folds case, accents and spacing."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    match_key: Mapped[str] = mapped_column(String(400), unique=True)


class PaperAuthor(Base):
    """The ordered byline of a paper."""

    __tablename__ = "paper_authors"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    affiliation: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_paper_authors_author_paper", "author_id", "paper_id"),)


class Category(Base):
    """An arXiv category or a journal subject code."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))


class PaperCategory(Base):
    """A paper's categories, primary first."""

    __tablename__ = "paper_categories"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_paper_categories_category_paper", "category", "paper_id"),)


class PaperListing(Base):
    """A paper as one source announced it on one day (new, cross-list, replacement)."""

    __tablename__ = "paper_listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    listed_on: Mapped[date | None] = mapped_column(Date)
    announce_type: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(20), default="feed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("paper_id", "source_id", "listed_on", name="uq_paper_listings_once"),
        Index("ix_paper_listings_listed_on", "listed_on"),
        Index("ix_paper_listings_source_listed_on", "source_id", "listed_on"),
    )


class AnnouncementDay(Base):
    """A day a source's announcement was seen (from its feed or filled through the API)."""

    __tablename__ = "announcement_days"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    origin: Mapped[str] = mapped_column(String(20))
    entries: Mapped[int] = mapped_column(Integer, default=0)


class RateLimit(Base):
    """The next free request slot of a host group, shared by every process through the database."""

    __tablename__ = "rate_limits"

    host_group: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CardFragment(Base):
    """A paper's card rendered once (app.web.cards), valid while `format` and the paper's
    `modified_at` match; pages fill in the per-view parts. A cache: deleting rows loses nothing."""

    __tablename__ = "card_fragments"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(32))
    paper_modified_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    html: Mapped[str] = mapped_column(Text)


class BackfillProgress(Base):
    """Where a backfill of one category and date range stands, so a rerun resumes there.

    Updated in the same transaction as the page it describes: a kill never loses or repeats one.
    """

    __tablename__ = "backfill_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(64))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)  # first day of the window being fetched
    next_start: Mapped[int] = mapped_column(Integer, default=0)  # API `start` within it
    window_total: Mapped[int | None] = mapped_column(Integer)  # its totalResults, once known
    papers: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("kind", "category", "since", "until", name="uq_backfill_progress_range"),
    )


class Briefing(Base):
    """One briefing request and its result: the job's state lives on the same row (issue 5).

    A row is queued, claimed by one worker (`FOR UPDATE SKIP LOCKED` on PostgreSQL), then done or
    failed; `scope` is the JSON of app.briefings.scope.BriefingScope.
    """

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    scope: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[str | None] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(100), default="cli")
    # A personal briefing (scope: this person's radar) is private to its owner; null is public.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_briefings_status_id", "status", "id"),
        Index("ix_briefings_requester_created", "requester", "created_at"),
    )


class BriefingPaper(Base):
    """Reference `n` of a briefing: the paper that `[n]` in its body cites."""

    __tablename__ = "briefing_papers"

    briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefings.id", ondelete="CASCADE"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)


class LlmUsage(Base):
    """One chat-completions call: the ledger behind the daily token budget and the costs."""

    __tablename__ = "llm_usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    briefing_id: Mapped[int | None] = mapped_column(
        ForeignKey("briefings.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaperTldr(Base):
    """A one-sentence TL;DR of one version of a paper, by one model and prompt version.

    Inserting the row (text still null) is the claim: the key is unique, so two workers never
    summarise the same paper twice; a new version of the paper has no row yet and is redone.
    """

    __tablename__ = "paper_tldrs"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: unversioned sources
    model: Mapped[str] = mapped_column(String(200), primary_key=True)  # "offline" or LLM_MODEL
    prompt_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SnapshotImport(Base):
    """How far the import of one arXiv snapshot file got; written with each batch it commits."""

    __tablename__ = "snapshot_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_key: Mapped[str] = mapped_column(String(100), unique=True)  # size + hash of its head
    path: Mapped[str] = mapped_column(Text)
    byte_offset: Mapped[int] = mapped_column(BigInteger)  # of the decompressed stream
    line_number: Mapped[int] = mapped_column(Integer)  # lines consumed so far
    papers_new: Mapped[int] = mapped_column(Integer)
    papers_updated: Mapped[int] = mapped_column(Integer)
    papers_unchanged: Mapped[int] = mapped_column(Integer)
    lines_malformed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    """A person with an account (issue 6). The first one created is an admin.

    `session_epoch` is part of every session cookie: raising it (password change, "log out
    everywhere") invalidates the cookies signed before, with no server-side session table.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Deliveries: the daily e-mail digest and the webhook (JSON POST of the day's radar).
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    hide_seen: Mapped[bool] = mapped_column(Boolean, default=False)
    last_digest_on: Mapped[date | None] = mapped_column(Date)
    last_webhook_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserToken(Base):
    """A secret a person holds: a personal API token, a radar feed URL, an unsubscribe link.

    Only the SHA-256 of the secret is stored; deleting the row revokes it.
    """

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # api | feed | unsubscribe
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """A failed log-in, counted per account and per address for the rate limit.

    In the database rather than in memory: web replicas are stateless and share the count.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )


class Follow(Base):
    """Something a person follows (kind author | keyword | category | source) or mutes.

    `value` is what they typed; `match_key` is what matching uses (an author's folded match key,
    a keyword lower-cased, a category as is, a source id).
    """

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    match_key: Mapped[str] = mapped_column(String(300))
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "muted", "kind", "match_key", name="uq_follows_user_rule"),
    )


class SavedPaper(Base):
    """A paper in a person's library, with their tags (a JSON list) and note."""

    __tablename__ = "saved_papers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    tags: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaperFeedback(Base):
    """What a person told the radar about a paper: `seen` or `not_interested`."""

    __tablename__ = "paper_feedback"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserModel(Base):
    """A person's learned ranking model (app.radar.model), stored as JSON so every web replica
    and worker reads the same one. A cache of what the library and feedback imply."""

    __tablename__ = "user_models"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)
    positives: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SourceIncident(Base):
    """A run of failures of one source, so admins are told once per incident (issue 6)."""

    __tablename__ = "source_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_source_incidents_source_resolved", "source_id", "resolved_at"),)


class TermStatistics(Base):
    """Document frequencies of terms in a sample of `documents` papers (app.radar.stats), when
    the corpus held `corpus_papers`; the newest row is in use. A cache: rebuilt from the papers."""

    __tablename__ = "term_statistics"
    # Its id names a build in every process's caches: never hand an old id to a new build.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)
    corpus_papers: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
