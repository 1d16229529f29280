"""DTOs that cross layers: what parsers produce and what the store and API consume."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class AuthorRecord(BaseModel):
    """One author of one paper, in byline order."""

    name: str
    affiliation: str | None = None


class PaperRecord(BaseModel):
    """One entry of one fetched document, normalised; the same shape for every source kind.

    `None` means "this document did not say", never "blank it": the store keeps stored values.
    """

    arxiv_id: str | None = None  # without version: "2411.17700", "hep-ex/0307015"
    version: int | None = None
    doi: str | None = None  # lowercase, no resolver prefix
    # The journal article this preprint became, when its source says so and it differs from
    # `doi` (bioRxiv's `published`; the second DOI when arXiv's DOI field lists two).
    published_doi: str | None = None
    guid: str | None = None  # the entry's own id, for sources with neither arXiv id nor DOI
    title: str
    abstract: str | None = None
    abstract_html: str | None = None
    authors: list[AuthorRecord] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)  # primary first
    announce_type: str | None = None  # new | cross | replace | replace-cross | absonly
    announced_on: date | None = None  # the announcement day this listing belongs to
    submitted_at: datetime | None = None  # v1 submission time (UTC), from the API
    updated_at: datetime | None = None  # this version's time (UTC), from the API
    url: str | None = None
    pdf_url: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    license: str | None = None
    source_label: str | None = None  # this entry's own label ("bioRxiv (Cancer Biology)")

    @property
    def canonical_key(self) -> str:
        """The one key a paper is stored under: arXiv id, else DOI, else the source's guid."""
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        if self.doi:
            return f"doi:{self.doi}"
        return f"guid:{self.guid or self.url or self.title}"

    @property
    def is_preprint(self) -> bool:
        """A preprint: an arXiv entry, or one whose source names the journal DOI it became."""
        return bool(self.arxiv_id or self.published_doi)

    @property
    def twin_dois(self) -> list[str]:
        """The DOIs a stored twin may carry: this entry's own, then its journal article's."""
        return [doi for doi in (self.doi, self.published_doi) if doi]


class ParsedFeed(BaseModel):
    """Everything a parser learned from one document."""

    records: list[PaperRecord] = Field(default_factory=list)
    title: str | None = None
    announced_on: date | None = None  # the channel's announcement day (arXiv feeds)
    error: str | None = None  # the document is an error report ("Feed error for query", API error)
    truncated: bool = False  # the document was cut off; `records` holds the complete entries
    total_results: int | None = None  # arXiv API: opensearch:totalResults
    ttl_minutes: int | None = None
    skip_days: list[str] = Field(default_factory=list)  # e.g. ["Saturday", "Sunday"]
    skip_hours: list[int] = Field(default_factory=list)
    kind: str | None = None  # detected: "arxiv", "rss", "atom", "biorxiv"
    next_cursor: int | None = None  # paged APIs (bioRxiv): where the next page starts, if any


class PaperItem(BaseModel):
    """A paper as the JSON API and pages show it (DESIGN's item shape)."""

    id: str  # public key: the arXiv id, else "doi:<doi>"
    title: str
    authors: list[str]
    abstract: str | None
    source_label: str | None
    sources: list[int]
    published: date | None
    url: str | None
    pdf_url: str | None
    categories: list[str]
    announce_type: str | None
    version: int | None
    doi: str | None
    # Addition to DESIGN's item shape: a preprint's journal version, once known (twins).
    journal_doi: str | None = None
    journal_url: str | None = None
    # For pages only; excluded from the JSON API, whose item shape DESIGN fixes.
    comments: str | None = Field(default=None, exclude=True)
    journal_ref: str | None = Field(default=None, exclude=True)
    abstract_html: str | None = Field(default=None, exclude=True)


class PaperPage(BaseModel):
    """One page of a filtered paper list."""

    items: list[PaperItem]
    total: int
    total_is_estimate: bool = False
    has_next: bool = False
