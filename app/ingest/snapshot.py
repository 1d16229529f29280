"""One line of the arXiv metadata snapshot (the Kaggle dump's JSON lines) as a PaperRecord. Pure.

A line is checked completely before anything is made of it, so a malformed line is rejected as a
whole (`SnapshotLineError`) and never becomes half a paper. Shape of a line:
https://www.kaggle.com/datasets/Cornell-University/arxiv — `id`, `submitter`, `authors`,
`authors_parsed` ([last, first, suffix] lists), `title`, `comments`, `journal-ref`, `doi`,
`report-no`, `categories` (space-separated, primary first), `license`, `abstract`, `versions`
([{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...]), `update_date`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.schemas import AuthorRecord, PaperRecord
from app.text import author_match_key, clean_text, normalise_dois, split_arxiv_creators

# New-style (0704.0001, 2411.17700) and old-style (hep-th/9901001, math.AG/0309136) identifiers.
ARXIV_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?/\d{7})$")
_VERSION_RE = re.compile(r"^v([1-9]\d{0,3})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_OPTIONAL_TEXT = ("comments", "journal-ref", "doi", "license", "abstract", "authors")
# Snapshot keys behind the PaperRecord fields that the version rules may fill in.
SNAPSHOT_FIELDS = {
    "title": "title",
    "abstract": "abstract",
    "doi": "doi",
    "comments": "comments",
    "journal_ref": "journal-ref",
    "license": "license",
}
ALWAYS_GIVEN = frozenset({"submitted_at", "updated_at", "url", "pdf_url"})
NAME_CACHE_LIMIT = 100_000  # ~40 MB: the most prolific authors stay cached


class SnapshotLineError(ValueError):
    """A snapshot line that is not a usable record; the message says why."""


@dataclass(frozen=True)
class SnapshotLine:
    """A checked line: what the re-import shortcut needs, before any text is normalised."""

    data: dict
    arxiv_id: str
    version: int
    first_day: date
    dates: tuple[datetime, ...]  # of every version

    def given_fields(self) -> frozenset[str]:
        """The PaperRecord fields this line would set (those the version rules can fill in)."""
        given = {field for field, key in SNAPSHOT_FIELDS.items() if self.data.get(key)}
        return frozenset(given) | ALWAYS_GIVEN


def read_snapshot_line(line: bytes | str) -> SnapshotLine:
    """Decode and check one line: JSON object, id, title, and the types of every field used."""
    try:
        data = json.loads(line)
    except ValueError as error:
        raise SnapshotLineError(f"not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise SnapshotLineError("not a JSON object")
    escaped_nul = ("\\u0000" in line) if isinstance(line, str) else (b"\\u0000" in line)
    if escaped_nul and _holds_nul(data):
        # PostgreSQL text cannot hold NUL: one such line would fail its whole batch.
        raise SnapshotLineError("contains a NUL character")
    arxiv_id = data.get("id")
    if not isinstance(arxiv_id, str) or not arxiv_id.strip():
        raise SnapshotLineError("missing id")
    arxiv_id = arxiv_id.strip()
    if not ARXIV_ID_RE.match(arxiv_id):
        raise SnapshotLineError(f"id {arxiv_id[:40]!r} is not an arXiv identifier")
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        raise SnapshotLineError("missing title")
    for key in _OPTIONAL_TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise SnapshotLineError(f"{key} is not a string")
    if not isinstance(data.get("categories", ""), str):
        raise SnapshotLineError("categories is not a string")
    _check_authors_parsed(data.get("authors_parsed"))
    version, dates = _check_versions(data.get("versions"))
    return SnapshotLine(data, arxiv_id, max(version), dates[version.index(1)].date(), dates)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


def _check_authors_parsed(value) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for parts in value:
            if type(parts) is not list:
                break
            for part in parts:
                if type(part) is not str:
                    break
            else:
                continue
            break
        else:
            return
    raise SnapshotLineError("authors_parsed is not a list of [last, first, suffix] lists")


def _check_versions(value) -> tuple[list[int], tuple[datetime, ...]]:
    """Version numbers and their dates; every entry must be well formed, and v1 present."""
    if not isinstance(value, list) or not value:
        raise SnapshotLineError("versions is missing or empty")
    numbers, dates = [], []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            raise SnapshotLineError("a versions entry has no version")
        match = _VERSION_RE.match(entry["version"])
        if match is None:
            raise SnapshotLineError(f"bad version {entry['version'][:20]!r}")
        numbers.append(int(match.group(1)))
        dates.append(parse_version_date(entry.get("created")))
    if 1 not in numbers:
        raise SnapshotLineError("versions has no v1")
    return numbers, tuple(dates)


def parse_version_date(value) -> datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' as UTC (a hand parser: strptime is 5x slower)."""
    try:
        _, day, month, year, clock, zone = value.split()
        hour, minute, second = clock.split(":")
        if zone not in ("GMT", "UTC", "+0000"):
            raise ValueError(zone)
        return datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except (AttributeError, ValueError, KeyError):
        raise SnapshotLineError(f"bad version date {str(value)[:40]!r}") from None


def snapshot_record(line: SnapshotLine, names: NameCache) -> PaperRecord:
    """The normalised record of a checked line (text rules of app/text.py, as every parser)."""
    data = line.data
    title = clean_text(data["title"])
    if title is None:
        raise SnapshotLineError("missing title")
    dates = line.dates
    categories = list(dict.fromkeys((data.get("categories") or "").split()))
    dois = normalise_dois(data.get("doi"))
    return _checked_record(
        arxiv_id=line.arxiv_id,
        version=line.version,
        doi=dois[0] if dois else None,
        published_doi=dois[1] if len(dois) > 1 else None,  # as arXiv's feeds: app.ingest.arxiv
        guid=None,
        title=title,
        abstract=clean_text(data.get("abstract")),
        abstract_html=None,
        authors=_authors(data, names),
        categories=categories,
        announce_type="new",
        announced_on=line.first_day,
        submitted_at=min(dates),
        updated_at=max(dates),
        url=f"https://arxiv.org/abs/{line.arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{line.arxiv_id}",
        comments=clean_text(data.get("comments")),
        journal_ref=clean_text(data.get("journal-ref")),
        license=clean_text(data.get("license")),
        source_label=None,
    )


def _authors(data: dict, names: NameCache) -> list[AuthorRecord]:
    parsed = data.get("authors_parsed")
    if parsed is None:  # older dumps: only the byline string
        return split_arxiv_creators(data.get("authors") or "")
    authors = []
    for parts in parsed:
        author = names.author(tuple(parts[:3]))
        if author is not None:
            authors.append(author)
    return authors


RECORD_FIELDS = frozenset(PaperRecord.model_fields)


def _checked_record(**values) -> PaperRecord:
    """A PaperRecord of already checked values, every field given: what `model_construct` does
    without its per-field default handling, which costs as much as normalising the text."""
    missing = RECORD_FIELDS - values.keys()
    if missing:  # a field added to PaperRecord must be given here too
        raise TypeError(f"a snapshot record lacks {sorted(missing)}")
    record = PaperRecord.__new__(PaperRecord)
    object.__setattr__(record, "__dict__", values)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


class NameCache:
    """[last, first, suffix] -> cleaned "First Last Suffix" and match keys, memoised: bylines
    repeat the same people, and TeX decoding a name costs more than looking it up."""

    def __init__(self) -> None:
        self._authors: dict[tuple[str, ...], AuthorRecord | None] = {}
        self._keys: dict[str, str] = {}

    def author(self, parts: tuple[str, ...]) -> AuthorRecord | None:
        """The author of one authors_parsed entry; records are shared (nobody mutates them)."""
        found = self._authors.get(parts, _MISSING)
        if found is _MISSING:
            last, first, suffix = (*parts, "", "", "")[:3]
            name = clean_text(" ".join(p for p in (first, last, suffix) if p.strip()))
            found = AuthorRecord.model_construct(name=name, affiliation=None) if name else None
            self._remember(self._authors, parts, found)
        return found

    def match_key(self, name: str) -> str:
        found = self._keys.get(name)
        if found is None:
            found = author_match_key(name)
            self._remember(self._keys, name, found)
        return found

    @staticmethod
    def _remember(cache: dict, key, value) -> None:
        if len(cache) >= NAME_CACHE_LIMIT:  # bounded memory on the 2.7M-paper dump
            cache.clear()
        cache[key] = value


_MISSING = object()
