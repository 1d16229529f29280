"""Full-text search: parsing untrusted queries, and the dialect-specific queries on the index."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    and_,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from app.bulk_indexes import restore_secondary_indexes
from app.db import is_postgres, one_of
from app.search_index import restore_search_index

# Migration 0002 builds the index. SQLite: an FTS5 external-content table over papers(title,
# abstract), kept in sync by triggers, tokenised by porter + unicode61. PostgreSQL: a stored
# generated tsvector column (title weight A, abstract weight B) under a GIN index, 'english'
# config. Both stem English ("networks" finds "network"), which is what a search box over English
# abstracts is for; the price is that stop words are not searchable, so the query parser drops
# them on both databases alike (PostgreSQL's 'english' list), keeping the two in step.

SEARCH_CONFIG = "english"
FTS_TABLE = "papers_fts"
SEARCH_VECTOR = "search_vector"
SEARCH_INDEX = "ix_papers_search_vector"
# Schema objects the migrations create but the models do not declare (dialect-specific search
# and read-path indexes); the models-vs-migrations check and autogenerate must skip them.
MIGRATION_ONLY_TABLES = frozenset(
    {FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config"))}
)
MIGRATION_ONLY_COLUMNS = frozenset({("papers", SEARCH_VECTOR)})
MIGRATION_ONLY_INDEXES = frozenset({SEARCH_INDEX, "ix_papers_newest"})
TITLE_WEIGHT = 10.0  # bm25 weight of a title hit against 1.0 for the abstract
MAX_SEARCH_TERMS = 16
# PostgreSQL's share/tsearch_data/english.stop.
_ENGLISH_STOPWORDS_TEXT = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom this
that these those am is are was were be been being have has had having do does did doing a an
the and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then
once here there when where why how all any both each few more most other some such no nor not
only own same so than too very s t can will just don should now"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORDS_TEXT.split())
# A quoted phrase, or a bare run of non-space characters; leading '-' negates either.
_QUERY_TOKEN = re.compile(r'(-*)"([^"]*)"?|(-*)([^\s"]+)')
_WORD_CHARACTER = re.compile(r"[^\W_]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SearchTerm:
    """A word or a quoted phrase of a search, as typed (no quotes), possibly negated."""

    text: str
    negated: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A user's search parsed web-search style: groups OR together, terms in a group AND together.

    Every group holds at least one positive term, so every query can be answered from the index.
    """

    groups: tuple[tuple[SearchTerm, ...], ...]

    def fts5_expression(self, column: str | None = None) -> str:
        """The FTS5 MATCH expression; every term is a double-quoted string, so no user text is
        ever read as FTS5 syntax (operators, column filters, NEAR, `*`)."""
        groups = []
        for group in self.groups:
            positive = " AND ".join(_fts5_string(t.text) for t in group if not t.negated)
            negative = "".join(f" NOT {_fts5_string(t.text)}" for t in group if t.negated)
            groups.append(f"(({positive}){negative})")
        expression = " OR ".join(groups)
        return f"{{{column}}} : ({expression})" if column else expression

    def websearch_text(self) -> str:
        """The same query for PostgreSQL's websearch_to_tsquery (which never raises)."""
        return " or ".join(
            " ".join(f'{"-" if t.negated else ""}"{t.text}"' for t in group)
            for group in self.groups
        )


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def parse_search(text: str) -> SearchQuery | None:
    """Parse untrusted search text: words, "phrases", -negation, OR; None when nothing in it is
    searchable (only punctuation, stop words or negations)."""
    text = _CONTROL_CHARACTERS.sub(" ", text)  # PostgreSQL refuses NUL in any text
    groups: list[tuple[SearchTerm, ...]] = []
    current: list[SearchTerm] = []
    terms = 0
    for match in _QUERY_TOKEN.finditer(text):
        quoted, bare = match.group(2), match.group(4)
        negated = bool(match.group(1) or match.group(3))
        if bare is not None and bare.lower() == "or" and not negated:
            groups.append(tuple(current))
            current = []
            continue
        words = " ".join((quoted if quoted is not None else bare).split())
        term = SearchTerm(words, negated, phrase=quoted is not None)
        if _searchable(term) and terms < MAX_SEARCH_TERMS:
            current.append(term)
            terms += 1
    groups.append(tuple(current))
    kept = tuple(g for g in groups if any(not t.negated for t in g))
    return SearchQuery(kept) if kept else None


def _searchable(term: SearchTerm) -> bool:
    if not _WORD_CHARACTER.search(term.text):
        return False  # "-", "+", "$$": nothing an index holds
    if term.phrase:
        return True
    words = re.findall(r"[^\W_]+", term.text.lower())
    return not all(word in ENGLISH_STOPWORDS for word in words)


def _fts_table() -> TableClause:
    return table(FTS_TABLE, column("rowid", Integer))


def _tsquery(query: SearchQuery) -> ColumnElement:
    return func.websearch_to_tsquery(literal_column(f"'{SEARCH_CONFIG}'"), query.websearch_text())


def search_papers(
    session: Session,
    statement: Select,
    paper_id: ColumnElement[int],
    query: SearchQuery,
    *,
    newest_first: bool = False,
) -> Select:
    """`statement` (over papers) narrowed to the papers whose title or abstract match `query`,
    walking the full-text index: the way to list a query's matches.

    With `newest_first`, ordered by `paper_id` descending as the index walks it, never by sorting
    every match (FTS5 reads its doclists backwards; PostgreSQL walks the primary key).
    """
    if is_postgres(session):
        narrowed = statement.where(_tsvector_matches(paper_id, query))
        return narrowed.order_by(paper_id.desc()) if newest_first else narrowed
    fts = _fts_table()
    narrowed = statement.join(fts, fts.c.rowid == paper_id).where(_fts_match(query))
    # Ordered by the FTS table's own rowid: SQLite sorts every match when asked for papers.id.
    return narrowed.order_by(fts.c.rowid.desc()) if newest_first else narrowed


def _tsvector_matches(paper_id: ColumnElement[int], query: SearchQuery) -> ColumnElement[bool]:
    vector = literal_column(f"{paper_id.table.name}.{SEARCH_VECTOR}")
    tsquery = _tsquery(query)
    # A query PostgreSQL reduced to negations only ('T') would need a whole-index scan.
    return and_(vector.op("@@")(tsquery), func.querytree(tsquery) != "T")


def _fts_match(query: SearchQuery, column: str | None = None) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(query.fts5_expression(column))


def rank_search_matches(
    session: Session, paper_id: ColumnElement[int], query: SearchQuery, ids: Sequence[int]
) -> list[int]:
    """`ids` (a bounded set of matches) by relevance: papers whose title alone matches first,
    then bm25 with the title weighted (SQLite) or ts_rank over A/B weights (PostgreSQL)."""
    if not ids:
        return []
    if is_postgres(session):
        papers = paper_id.table
        tsquery = _tsquery(query)
        vector = literal_column(f"{papers.name}.{SEARCH_VECTOR}")
        title_vector = func.to_tsvector(literal_column(f"'{SEARCH_CONFIG}'"), papers.c.title)
        rows = session.execute(
            select(
                paper_id,
                title_vector.op("@@")(tsquery),
                func.ts_rank(vector, tsquery),
            ).where(one_of(session, paper_id, ids))
        )
        scores = {id_: (bool(title), float(rank)) for id_, title, rank in rows}
    else:
        title_hits = {row[0] for row in _fts_rows(session, query, ids, column="title")}
        bm25 = func.bm25(literal_column(FTS_TABLE), TITLE_WEIGHT, 1.0)
        # bm25 is lower for better matches; negated it reads like ts_rank, higher is better.
        scores = {
            id_: (id_ in title_hits, -float(score))
            for id_, score in _fts_rows(session, query, ids, bm25)
        }
    return order_by_relevance(scores)


def matching_ids(
    session: Session, paper_id: ColumnElement[int], query: SearchQuery, ids: Sequence[int]
) -> set[int]:
    """Which of `ids` (found some other way: an author's papers, shuffle candidates) match."""
    if not ids:
        return set()
    if is_postgres(session):
        condition = _tsvector_matches(paper_id, query)
        return set(
            session.scalars(select(paper_id).where(one_of(session, paper_id, ids), condition))
        )
    return {row[0] for row in _fts_rows(session, query, ids)}


def count_search_matches(session: Session, query: SearchQuery) -> int | None:
    """Every paper matching `query`, counted exactly where that is cheap: FTS5 counts from its
    doclists without touching the table (milliseconds for 10⁵ matches). None on PostgreSQL,
    whose GIN index cannot count without visiting every matching row."""
    if is_postgres(session):
        return None
    fts = _fts_table()
    return session.scalar(select(func.count()).select_from(fts).where(_fts_match(query))) or 0


FTS_SEEK_FACTOR = 50  # seeking one rowid costs ~50 doclist rows read (FTS5, bench/search.py)
FTS_CHUNK = 900


def _fts_rows(
    session: Session, query: SearchQuery, ids: Sequence[int], *extra, column: str | None = None
) -> list[tuple]:
    """(rowid, *extra) of the FTS5 matches among `ids`, the cheaper way round: read the matches
    in the ids' rowid range and keep the wanted ones, or seek each id (FTS5 sets a query up per
    rowid, ~10 µs), whichever touches less."""
    fts = _fts_table()
    match = _fts_match(query, column)
    low, high = min(ids), max(ids)
    in_range = select(fts.c.rowid).where(match, fts.c.rowid.between(low, high))
    limit = FTS_SEEK_FACTOR * len(ids)
    bounded = in_range.limit(limit + 1).subquery()
    if (session.scalar(select(func.count()).select_from(bounded)) or 0) <= limit:
        wanted = set(ids)
        statement = select(fts.c.rowid, *extra).where(match, fts.c.rowid.between(low, high))
        return [tuple(row) for row in session.execute(statement) if row[0] in wanted]
    rows: list[tuple] = []
    for start in range(0, len(ids), FTS_CHUNK):
        chunk = list(ids[start : start + FTS_CHUNK])
        statement = select(fts.c.rowid, *extra).where(match, fts.c.rowid.in_(chunk))
        rows.extend(tuple(row) for row in session.execute(statement))
    return rows


def order_by_relevance(scores: dict[int, tuple[bool, float]]) -> list[int]:
    """Ids by (title matches, score) best first; ties newest (highest id) first."""
    return sorted(scores, key=lambda i: (not scores[i][0], -scores[i][1], -i))


def rebuild_search_index(engine: Engine) -> int:
    """Rebuild the full-text index from the papers table; returns how many papers it covers.

    An index a bulk import paused (and a kill left paused) is restored first, together with
    the secondary indexes such an import drops.
    """
    restore_secondary_indexes(engine)
    restored = restore_search_index(engine)
    if engine.dialect.name == "postgresql":
        # Restoring built the GIN index afresh. Otherwise: the tsvector column is generated, so
        # only the GIN index can drift (bloat); CONCURRENTLY keeps the table writable while it
        # is rebuilt, and cannot run inside a transaction.
        if not restored:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f"REINDEX INDEX CONCURRENTLY {SEARCH_INDEX}")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
            # One merged segment per level: per-rowid lookups get ~3x cheaper (bench/search.py).
            connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')")
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM papers").scalar() or 0


def estimated_rows(session: Session, statement: Select) -> int | None:
    """PostgreSQL's planner estimate of the rows `statement` returns (its statistics know common
    words, prolific authors and big categories); None on SQLite, which keeps no such figures."""
    if not is_postgres(session):
        return None
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = session.connection().exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
    )
    return int(plan.scalar()[0]["Plan"]["Plan Rows"])


def papers_sharing_words(
    session: Session, words: Sequence[str], *, exclude: int, limit: int, together: int = 2
) -> list[int]:
    """Papers other than `exclude` whose title or abstract holds at least `together` (1 or 2)
    of `words`, best first by the index's own rank: bm25 with the title weighted (SQLite),
    ts_rank over the title/abstract weights (PostgreSQL); ties newest first.

    The candidates of similar papers (app.radar.similar): given a paper's rarest words, pairs of
    them narrow the index to a few hundred papers at most, so ranking those is cheap; the
    caller asks for single words only when their matches are few.
    """
    terms = [SearchTerm(word) for word in dict.fromkeys(words)]
    terms = [term for term in terms if _searchable(term)]
    if not terms:
        return []
    if together > 1 and len(terms) > 1:
        groups = tuple(itertools.combinations(terms, 2))
    else:
        groups = tuple((term,) for term in terms)
    query = SearchQuery(groups)
    if is_postgres(session):
        papers_id = literal_column("papers.id")
        vector = literal_column(f"papers.{SEARCH_VECTOR}")
        statement = (
            select(papers_id)
            .select_from(table("papers"))
            .where(vector.op("@@")(_tsquery(query)), papers_id != exclude)
            .order_by(func.ts_rank(vector, _tsquery(query)).desc(), papers_id.desc())
        )
    else:
        fts = _fts_table()
        bm25 = func.bm25(literal_column(FTS_TABLE), TITLE_WEIGHT, 1.0)
        statement = (
            select(fts.c.rowid)
            .where(_fts_match(query), fts.c.rowid != exclude)
            .order_by(bm25, fts.c.rowid.desc())
        )
    return list(session.scalars(statement.limit(limit)))
