"""Read-side figures on a synthetic collection (prints, asserts nothing about time).

Builds N papers (default 200,000; Zipf-distributed words, authors and categories, 20 years of
weekdays, cross-lists and replacements) on SQLite and PostgreSQL, once, then times the read side
in-process (`list_papers`, as the API and pages call it) with rotating parameters, and prints the
query plans of every statement a few views run, flagging sorts and full scans.

    python bench/search.py [--papers 200000] [--runs 30] [--postgres URL] [--no-postgres]
                           [--rebuild] [--folder /tmp/academichub-bench]

The SQLite file and the PostgreSQL schema `bench_search` are kept between runs (--rebuild makes
them anew). PostgreSQL is VACUUM ANALYZEd after loading; SQLite is not (nothing runs ANALYZE there).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import normalise_database_url  # noqa: E402
from app.curation.daily import PaperFilters, list_papers  # noqa: E402
from app.curation.days import data_version, latest_day  # noqa: E402
from app.db import make_engine, make_session_factory, upgrade_schema  # noqa: E402
from app.models import Paper  # noqa: E402
from app.text import author_match_key  # noqa: E402

SCHEMA = "bench_search"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NAMED_CATEGORIES = "cs.LG cs.CV cs.AI cs.CL stat.ML cs.RO cs.CR math.OC quant-ph eess.SP cs.IR"
CATEGORIES = [*NAMED_CATEGORIES.split(), *(f"x.{n:02d}" for n in range(29))]
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


class Corpus:
    """Deterministic synthetic rows for every table the read side touches."""

    def __init__(self, papers: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.papers = papers
        self.vocabulary = _vocabulary(rng, 30_000)
        self.rng = rng
        self.document_frequency: Counter[str] = Counter()
        self.authors = [f"Author {n} {rng.choice(SYLLABLES).title()}" for n in range(120_000)]
        start = date(2006, 1, 2)
        self.days = [d for d in (start + timedelta(n) for n in range(7300)) if d.weekday() < 5]

    def rows(self) -> Iterator[tuple]:
        """(paper, [author ids], [categories], [listings]) per paper, ids from 1."""
        rng, vocabulary = self.rng, self.vocabulary
        word_weights = _cumulative([1 / (r + 1) for r in range(len(vocabulary))])
        author_weights = _cumulative([1 / (r + 50) for r in range(len(self.authors))])
        category_weights = _cumulative([1 / (r + 1) ** 0.8 for r in range(len(CATEGORIES))])
        for paper_id in range(1, self.papers + 1):
            day_index = (paper_id - 1) * len(self.days) // self.papers
            day = self.days[day_index]
            title = rng.choices(vocabulary, cum_weights=word_weights, k=rng.randint(6, 14))
            abstract = rng.choices(vocabulary, cum_weights=word_weights, k=rng.randint(60, 140))
            self.document_frequency.update(set(title) | set(abstract))
            authors = dict.fromkeys(
                rng.choices(range(len(self.authors)), cum_weights=author_weights, k=6)
            )
            cats = dict.fromkeys(
                rng.choices(CATEGORIES, cum_weights=category_weights, k=rng.randint(1, 3))
            )
            source = min(CATEGORIES.index(next(iter(cats))), 7) + 1
            listings = [(source, day, "new", 1)]
            if rng.random() < 0.2:
                listings.append((source % 8 + 1, day, "cross", 1))
            if rng.random() < 0.1:
                later = day_index + rng.randint(1, 40)
                if later < len(self.days):
                    listings.append((source, self.days[later], "replace", 2))
            paper = {
                "id": paper_id,
                "key": f"arxiv:b{paper_id}",
                "arxiv_id": f"b{paper_id}",
                "version": 2 if len(listings) > 1 and listings[-1][2] == "replace" else 1,
                "title": " ".join(title).capitalize(),
                "abstract": " ".join(abstract).capitalize() + ".",
                "announce_type": "new",
                "published_on": day,
                "primary_category": next(iter(cats)),
                "source_label": "arXiv",
                "created_at": NOW,
                "modified_at": NOW,
            }
            yield paper, [a + 1 for a in authors], list(cats), listings


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    from app.search import ENGLISH_STOPWORDS

    words: dict[str, None] = {}
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in ENGLISH_STOPWORDS:
            words[word] = None
    return list(words)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def load(url: str, corpus: Corpus) -> float:
    """Fill a migrated, empty database with `corpus`; returns seconds taken."""
    started = time.perf_counter()
    engine = make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    papers, bylines, categories, listings = [], [], [], []
    listing_id = 0
    for paper, authors, cats, paper_listings in corpus.rows():
        papers.append(paper)
        bylines += [(paper["id"], n, a) for n, a in enumerate(authors)]
        categories += [(paper["id"], c, n) for n, c in enumerate(cats)]
        for source, day, kind, version in paper_listings:
            listing_id += 1
            listings.append((listing_id, paper["id"], source, day, kind, version, "feed", NOW))
    tables = {
        "sources": [
            (n, f"arXiv {CATEGORIES[n - 1]}", "arxiv", f"https://rss/{n}", True, 60, "ok", 0, NOW)
            for n in range(1, 9)
        ],
        "authors": [(n + 1, name, author_match_key(name)) for n, name in enumerate(corpus.authors)],
        "categories": [(c,) for c in CATEGORIES],
        "papers": [tuple(p.values()) for p in papers],
        "paper_authors": bylines,
        "paper_categories": categories,
        "paper_listings": listings,
    }
    columns = {
        "sources": "id, label, kind, url, enabled, interval_minutes, status, failures, created_at",
        "authors": "id, name, match_key",
        "categories": "code",
        "papers": ", ".join(papers[0]),
        "paper_authors": "paper_id, position, author_id",
        "paper_categories": "paper_id, category, position",
        "paper_listings": "id, paper_id, source_id, listed_on, announce_type, version, origin, "
        "created_at",
    }
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name, rows in tables.items():
            if postgres:
                with cursor.copy(f"COPY {name} ({columns[name]}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(rows[0]))
                cursor.execute("BEGIN")
                cursor.executemany(f"INSERT INTO {name} ({columns[name]}) VALUES ({marks})", rows)
                cursor.execute("COMMIT")
        if postgres:
            for name in ("sources", "authors", "papers", "paper_listings"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"
                )
            raw.commit()
            raw.autocommit = True  # VACUUM sets the visibility map, as autovacuum would in service
            cursor.execute("VACUUM ANALYZE")
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    return time.perf_counter() - started


def postgres_url(base: str, rebuild: bool) -> str:
    base = normalise_database_url(base)
    engine = make_engine(base)
    with engine.begin() as connection:
        if rebuild:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, corpus: Corpus) -> None:
    upgrade_schema(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Paper))
    engine.dispose()
    if count == corpus.papers:
        print(f"  reusing {count:,} papers")
        list(corpus.rows())  # the same word statistics for picking queries
        return
    if count:
        raise SystemExit(f"{url} holds {count:,} papers, not {corpus.papers:,}: use --rebuild")
    print(f"  loaded {corpus.papers:,} papers in {load(url, corpus):.0f} s")


def pick_words(corpus: Corpus, low: float, high: float, count: int) -> list[str]:
    """Words appearing in between `low` and `high` of the papers (by the generator's count)."""
    n = corpus.papers
    found = [w for w, df in corpus.document_frequency.items() if low * n <= df <= high * n]
    return random.Random(7).sample(found, min(count, len(found)))


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def rotating(make_filters: Callable[[int], PaperFilters], sessions) -> Callable[[], object]:
    state = {"n": 0}

    def run() -> object:
        state["n"] += 1
        with sessions() as session:
            return list_papers(session, make_filters(state["n"]))

    return run


def cases(corpus: Corpus, sessions) -> dict[str, Callable[[int], PaperFilters]]:
    with sessions() as session:
        day = latest_day(session)
    rare = pick_words(corpus, 100 / 200_000, 600 / 200_000, 40)
    common = pick_words(corpus, 0.2, 0.6, 40)
    prolific = [corpus.authors[n] for n in range(10)]
    sparse = [corpus.authors[n] for n in range(5_000, 120_000, 2_900)]
    return {
        "latest day": lambda n: PaperFilters(day=day),
        "every paper, newest first": lambda n: PaperFilters(page=1 + n % 3),
        "author, prolific": lambda n: PaperFilters(authors=(prolific[n % len(prolific)],)),
        "author, few papers": lambda n: PaperFilters(authors=(sparse[n % len(sparse)],)),
        "category, newest first": lambda n: PaperFilters(categories=(CATEGORIES[n % 12],)),
        "search, rare word (ranked)": lambda n: PaperFilters(q=rare[n % len(rare)]),
        "search, two rare words (OR)": lambda n: PaperFilters(
            q=f"{rare[n % len(rare)]} or {rare[(n + 1) % len(rare)]}"
        ),
        "search, common word (newest)": lambda n: PaperFilters(q=common[n % len(common)]),
        "search, two common words": lambda n: PaperFilters(
            q=f"{common[n % len(common)]} {common[(n + 3) % len(common)]}"
        ),
        "search, common word + author": lambda n: PaperFilters(
            q=common[n % len(common)], authors=(prolific[n % len(prolific)],)
        ),
        "shuffle, everything": lambda n: PaperFilters(shuffle=n),
        "shuffle, page 5": lambda n: PaperFilters(shuffle=n, page=5),
        "shuffle, big category": lambda n: PaperFilters(shuffle=n, categories=("cs.LG",)),
        "shuffle, small category": lambda n: PaperFilters(shuffle=n, categories=("x.20",)),
        "shuffle, prolific author": lambda n: PaperFilters(shuffle=n, authors=(prolific[0],)),
        "shuffle, common word": lambda n: PaperFilters(shuffle=n, q=common[n % len(common)]),
    }


# load_items' four batched fetches by primary key: the same for every view, left out of the plans.
LOAD_ITEMS = (
    "SELECT papers.id, papers.key",
    "SELECT paper_authors.paper_id, authors.name",
    "SELECT paper_categories.paper_id, paper_categories.category",
    "SELECT paper_listings.paper_id, paper_listings.source_id",
)


def explain(engine, sessions, filters: PaperFilters) -> list[str]:
    """Plans of the statements `list_papers(filters)` runs to choose and count its papers."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with sessions() as session:
        list_papers(session, filters)
    event.remove(engine, "before_cursor_execute", capture)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " if postgres else "EXPLAIN QUERY PLAN "
    lines = []
    with engine.connect() as connection:
        for statement, parameters in captured:
            if not statement.lstrip().startswith("SELECT") or statement.startswith(LOAD_ITEMS):
                continue  # transactions, planner estimates (EXPLAIN) and load_items
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            plan = [row[0] if postgres else row[-1] for row in rows]
            first = " ".join(statement.split())[:110]
            lines.append(f"    -- {first}{'…' if len(first) == 110 else ''}")
            for line in plan:
                mark = "  <-- SORT/SCAN" if _is_suspect(line) else ""
                lines.append(f"       {_shorten(line)}{mark}")
    return lines


def _shorten(line: str) -> str:
    return line if len(line) <= 150 else line[:150] + "…"


def _is_suspect(line: str) -> bool:
    """A sort of more than a page's worth of rows, or a whole-table scan."""
    lowered = line.strip().lstrip("-> ").lower()
    if lowered.startswith(("sort (", "incremental sort (")):
        rows = lowered.split("rows=")[1].split()[0] if "rows=" in lowered else "0"
        return int(rows) > 1000
    return (
        "temp b-tree for order by" in lowered
        or "seq scan on papers" in lowered
        or lowered in {"scan papers", "scan paper_listings", "scan paper_authors"}
    )


def naive_statements(engine, corpus: Corpus) -> dict[str, str]:
    """ORDER BY random() over every paper, and relevance-sorting every match of a common word."""
    word = pick_words(corpus, 0.3, 0.6, 1)[0]
    if engine.dialect.name == "postgresql":
        ranked = (
            "SELECT id FROM papers WHERE search_vector @@ websearch_to_tsquery('english', "
            f"'{word}') ORDER BY ts_rank(search_vector, websearch_to_tsquery('english', "
            f"'{word}')) DESC LIMIT 50"
        )
    else:
        ranked = (
            f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH '\"{word}\"' "
            "ORDER BY bm25(papers_fts, 10.0, 1.0) LIMIT 50"
        )
    return {
        "shuffle as ORDER BY random() LIMIT 50": "SELECT id FROM papers ORDER BY random() LIMIT 50",
        "common word ranked over every match": ranked,
    }


def bench(name: str, url: str, corpus: Corpus, runs: int) -> None:
    print(f"\n{name}")
    prepare(url, corpus)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    table = cases(corpus, sessions)
    print(f"  {'view (in-process, list_papers, 50 a page)':<40} {'median':>9} {'p95':>9}  total")
    for label, make in table.items():
        run = rotating(make, sessions)
        page = run()  # warm the caches and show what the view answers
        median, p95 = timed(run, runs)
        estimate = "~" if page.total_is_estimate else ""
        print(f"  {label:<40} {median:7.1f}ms {p95:7.1f}ms  {estimate}{page.total:,}")
    with sessions() as session:
        median, p95 = timed(lambda: data_version(session), runs)
    print(f"  {'data_version':<40} {median:7.1f}ms {p95:7.1f}ms")
    print("\n  the naive versions, side by side (what the views avoid):")
    for label, statement in naive_statements(engine, corpus).items():
        with engine.connect() as connection:
            median, p95 = timed(lambda s=statement: connection.exec_driver_sql(s).all(), 3)
        print(f"  {label:<40} {median:7.1f}ms {p95:7.1f}ms")
    print("\n  plans (every SELECT each view runs):")
    for label in (
        "search, rare word (ranked)",
        "search, common word (newest)",
        "every paper, newest first",
        "author, prolific",
        "shuffle, everything",
        "shuffle, big category",
        "latest day",
    ):
        print(f"  [{label}]")
        print("\n".join(explain(engine, sessions, table[label](1))))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/academichub-bench"))
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "ACADEMICHUB_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    database = args.folder / f"search-{args.papers}.db"
    if args.rebuild and database.exists():
        database.unlink()
    targets = {} if args.no_sqlite else {"SQLite": f"sqlite:///{database}"}
    if not args.no_postgres:
        targets["PostgreSQL"] = postgres_url(args.postgres, args.rebuild)
    for name, url in targets.items():
        bench(name, url, Corpus(args.papers), args.runs)


if __name__ == "__main__":
    main()
