"""The radar's figures (issue 6): model updates, retraining, model memory, ranking and similar
papers, on SQLite and PostgreSQL side by side (prints, asserts nothing).

    python bench/radar.py [--papers 1000000] [--seed 1] [--no-sqlite] [--no-postgres]
                          [--saves 20] [--similar 200] [--vocabulary]
                          [--no-pages] [--page-runs 3] [--page-seconds 15] [--connections 32]

For each database: build or reuse the corpus (bench/corpus.py), build the term statistics if
there are none (what `academichub index rebuild` and the worker do), prepare a person with 50
follows of mixed kinds drawn from the corpus, 3 mute rules and 500 saved papers
(`prepare_radar_user`, also the hook for the HTTP comparison of /radar with /), then time:
- the full retraining of that person's model;
- the model update after saving one more paper, `--saves` times (p50 / max);
- the model's memory: stored JSON, and its parsed form in a process (tracemalloc);
- `rank_radar` on the latest day: a cold process (every cache empty), after a change of the
  person's (their ranking recomputed, the day's papers cached), and warm (p50 / p99 of 200);
  and over the last 7 days: the week's papers read (term statistics loaded), after a change;
- `similar_papers` for `--similar` random papers, vectors not cached (p50 / p99);
- over HTTP (bench/radar_http.py): req/s, p50 and p99 of `/` and `/radar` with the person's
  session, wrk at `--connections`, rounds interleaved, and the radar ÷ daily ratios.
With `--vocabulary`, also what app/radar/stats.py rejected: PostgreSQL's `ts_stat` over the
whole table and an FTS5 `fts5vocab` lookup of a common word.

The person is `bench-radar@example.org`; preparing it again replaces it (and its follows,
library and model), so runs never pile up rows in the shared corpus.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.accounts.passwords import hash_password  # noqa: E402
from app.curation.days import latest_day  # noqa: E402
from app.db import make_engine, make_session_factory, transaction  # noqa: E402
from app.lru import clear_caches  # noqa: E402
from app.models import (  # noqa: E402
    Author,
    Follow,
    PaperAuthor,
    PaperCategory,
    PaperListing,
    SavedPaper,
    Source,
    TermStatistics,
    User,
)
from app.radar.model import model_from_json  # noqa: E402
from app.radar.model_store import model_memory, retrain_model, update_model  # noqa: E402
from app.radar.ranking import invalidate_radar_cache, rank_radar  # noqa: E402
from app.radar.similar import similar_papers  # noqa: E402
from app.radar.stats_store import current_stats, rebuild_term_statistics  # noqa: E402
from app.text import author_match_key  # noqa: E402
from bench.corpus import Corpus, CorpusSpec, describe, ensure_corpora  # noqa: E402
from bench.radar_http import BENCH_PASSWORD, time_pages  # noqa: E402

BENCH_EMAIL = "bench-radar@example.org"
FOLLOWS = {"author": 20, "keyword": 15, "category": 10, "source": 5}
MUTES = {"author": 1, "keyword": 1, "category": 1}
SAVED = 500
WARM_CALLS = 200


@dataclass(frozen=True)
class PreparedUser:
    """The benchmark's person: log in as `email` (the caller sets its password hash)."""

    user_id: int
    email: str
    follows: int
    mutes: int
    saved: int


def prepare_radar_user(
    url: str,
    corpus: Corpus,
    *,
    email: str = BENCH_EMAIL,
    password_hash: str = "bench-placeholder-not-a-hash",
    seed: int = 1,
) -> PreparedUser:
    """(Re)create the benchmark's person in the database at `url`: 50 follows of mixed kinds
    that match the latest days (authors and phrases from them, popular categories, their
    sources), 3 mutes, and 500 saved papers of one interest (the followed categories' papers).
    The hook for bench/pages.py's /radar row: pass a real `password_hash` to log in."""
    rng = random.Random(f"radar-user:{seed}")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        session.execute(delete(User).where(User.email == email))  # cascades to its rows
        user = User(email=email, password_hash=password_hash, created_at=now)
        session.add(user)
        session.flush()
        rules = _follow_rules(session, corpus, rng)
        for index, (kind, value, muted) in enumerate(rules):
            key = author_match_key(value) if kind == "author" else value
            key = " ".join(key.lower().split()) if kind == "keyword" else key
            session.add(
                Follow(
                    user_id=user.id,
                    kind=kind,
                    value=value,
                    match_key=key,
                    muted=muted,
                    created_at=now + timedelta(microseconds=index),
                )
            )
        categories = [value for kind, value, muted in rules if kind == "category" and not muted]
        for index, paper_id in enumerate(_interest(session, categories, rng, SAVED)):
            session.add(
                SavedPaper(
                    user_id=user.id,
                    paper_id=paper_id,
                    saved_at=now - timedelta(minutes=SAVED - index),
                )
            )
        prepared = PreparedUser(
            user.id,
            email,
            sum(1 for *_, muted in rules if not muted),
            sum(1 for *_, muted in rules if muted),
            SAVED,
        )
    engine.dispose()
    return prepared


def _follow_rules(session: Session, corpus: Corpus, rng: random.Random) -> list[tuple]:
    day = latest_day(session)
    recent = list(
        session.scalars(
            select(PaperListing.paper_id).where(PaperListing.listed_on >= day - timedelta(days=7))
        )
    )
    bylines = list(
        session.scalars(
            select(Author.name)
            .join(PaperAuthor, PaperAuthor.author_id == Author.id)
            .where(PaperAuthor.paper_id.in_(rng.sample(recent, min(200, len(recent)))))
        )
    )
    authors = rng.sample(sorted(set(bylines)), FOLLOWS["author"] + MUTES["author"])
    words = corpus.query_words("medium")
    keywords = rng.sample(words, FOLLOWS["keyword"] - 3) + [
        f"{a} {b}" for a, b in zip(rng.sample(words, 3), rng.sample(words, 3), strict=True)
    ]
    categories = corpus.categories[: FOLLOWS["category"] + MUTES["category"]]
    sources = list(
        session.scalars(
            select(Source.id).where(Source.label.in_([f"arXiv {c}" for c in categories[:5]]))
        )
    )
    rules = [("author", name, False) for name in authors[:-1]]
    rules += [("keyword", word, False) for word in keywords]
    rules += [("category", code, False) for code in categories[:-1]]
    rules += [("source", str(source_id), False) for source_id in sources]
    rules += [("author", authors[-1], True), ("category", categories[-1], True)]
    rules += [("keyword", rng.choice(corpus.query_words("rare")), True)]
    return rules


def _interest(session: Session, categories: list[str], rng: random.Random, count: int) -> list[int]:
    """`count` papers of the first followed category, drawn from its newest 20 * count."""
    pool = list(
        session.scalars(
            select(PaperCategory.paper_id)
            .where(PaperCategory.category == categories[0])
            .order_by(PaperCategory.paper_id.desc())
            .limit(20 * count)
        )
    )
    return sorted(rng.sample(pool, min(count, len(pool))))


# --- measurements ---------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ensure_statistics(url: str) -> dict:
    """Build the term statistics when none are stored; their size on disk and in a process."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    figures: dict = {}
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(TermStatistics))
    if not stored:
        started = time.perf_counter()
        with transaction(sessions) as session:
            build = rebuild_term_statistics(session, now=datetime.now(UTC))
        figures["build_s"] = round(time.perf_counter() - started, 1)
        print(f"  term statistics built: {build}", file=sys.stderr)
    with sessions() as session:
        figures["json_mb"] = round(
            len(session.scalar(select(TermStatistics.body).order_by(TermStatistics.id.desc())))
            / 1e6,
            2,
        )
        clear_caches()
        tracemalloc.start()
        started = time.perf_counter()
        stats = current_stats(session)
        figures["load_ms"] = _ms(time.perf_counter() - started)
        figures["memory_mb"] = round(tracemalloc.get_traced_memory()[0] / 1e6, 1)
        tracemalloc.stop()
        figures["terms"] = len(stats.docs)
    engine.dispose()
    return figures


def time_models(url: str, user_id: int, saves: int, corpus_seed: int) -> dict:
    """Full retraining, then `saves` saves of one paper each followed by `update_model`."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    figures: dict = {}
    started = time.perf_counter()
    with transaction(sessions) as session:
        summary = retrain_model(session, user_id, now=datetime.now(UTC))
    figures["retrain_ms"] = _ms(time.perf_counter() - started)
    figures["weights"] = summary.weights
    with sessions() as session:
        saved = set(
            session.scalars(select(SavedPaper.paper_id).where(SavedPaper.user_id == user_id))
        )
        category = session.scalar(
            select(PaperCategory.category).where(PaperCategory.paper_id == min(saved))
        )
        pool = [
            i
            for i in session.scalars(
                select(PaperCategory.paper_id)
                .where(PaperCategory.category == category)
                .order_by(PaperCategory.paper_id.desc())
                .limit(20 * SAVED)
            )
            if i not in saved
        ]
    rng = random.Random(corpus_seed)
    times, retrained = [], 0
    for paper_id in rng.sample(pool, saves):
        with transaction(sessions) as session:
            session.add(SavedPaper(user_id=user_id, paper_id=paper_id, saved_at=datetime.now(UTC)))
        started = time.perf_counter()
        with transaction(sessions) as session:
            summary = update_model(session, user_id, now=datetime.now(UTC))
        times.append(time.perf_counter() - started)
        retrained += summary.retrained
    figures["update_p50_ms"] = _ms(statistics.median(times))
    figures["update_max_ms"] = _ms(max(times))
    figures["updates_retrained"] = retrained
    with sessions() as session:
        memory = model_memory(session, user_id)
        body = session.scalar(
            text("SELECT body FROM user_models WHERE user_id = :u"), {"u": user_id}
        )
    tracemalloc.start()
    model = model_from_json(body)
    figures["model_traced_kb"] = round(tracemalloc.get_traced_memory()[0] / 1e3, 1)
    tracemalloc.stop()
    del model
    figures["model_json_kb"] = round(memory.stored_bytes / 1e3, 1)
    figures["model_deep_kb"] = round(memory.loaded_bytes / 1e3, 1)
    engine.dispose()
    return figures


def time_ranking(url: str, user_id: int) -> dict:
    """rank_radar on the latest day: cold process, after a change, warm."""
    engine = make_engine(url, read_only=True)  # as the web reads
    sessions = make_session_factory(engine)
    figures: dict = {}
    with sessions() as session:
        clear_caches()
        started = time.perf_counter()
        entries = rank_radar(session, user_id, now=datetime.now(UTC))
        figures["cold_process_ms"] = _ms(time.perf_counter() - started)
        figures["entries"] = len(rank_radar(session, user_id, limit=10_000, now=datetime.now(UTC)))
        figures["candidates"] = session.scalar(
            select(func.count(PaperListing.paper_id.distinct())).where(
                PaperListing.listed_on == latest_day(session)
            )
        )
        figures["reasons_example"] = entries[0].reasons if entries else ()
        changed = []
        for _ in range(10):
            invalidate_radar_cache(user_id)
            started = time.perf_counter()
            rank_radar(session, user_id, now=datetime.now(UTC))
            changed.append(time.perf_counter() - started)
        figures["after_change_ms"] = _ms(statistics.median(changed))
        day = latest_day(session)
        week = {"since": day - timedelta(days=6), "until": day, "now": datetime.now(UTC)}
        clear_caches()
        current_stats(session)
        started = time.perf_counter()
        rank_radar(session, user_id, **week)
        figures["week_cold_ms"] = _ms(time.perf_counter() - started)  # the week's papers read
        figures["week_candidates"] = session.scalar(
            select(func.count(PaperListing.paper_id.distinct())).where(
                PaperListing.listed_on.between(week["since"], day)
            )
        )
        invalidate_radar_cache(user_id)
        started = time.perf_counter()
        rank_radar(session, user_id, **week)
        figures["week_after_change_ms"] = _ms(time.perf_counter() - started)
    warm = []
    for _ in range(WARM_CALLS):
        with sessions() as session:  # a request's own session, as the web has
            started = time.perf_counter()
            rank_radar(session, user_id, now=datetime.now(UTC))
            warm.append(time.perf_counter() - started)
    figures["warm_p50_ms"] = _ms(_p(warm, 0.5))
    figures["warm_p99_ms"] = _ms(_p(warm, 0.99))
    engine.dispose()
    return figures


def time_similar(url: str, count: int, seed: int) -> dict:
    """similar_papers for `count` random papers (vectors not cached)."""
    engine = make_engine(url, read_only=True)
    sessions = make_session_factory(engine)
    rng = random.Random(f"similar:{seed}")
    times, found = [], []
    with sessions() as session:
        high = session.scalar(select(func.max(PaperListing.paper_id)))
        current_stats(session)  # loaded once per process, as on a server
        for paper_id in (rng.randint(1, high) for _ in range(count)):
            started = time.perf_counter()
            results = similar_papers(session, paper_id)
            times.append(time.perf_counter() - started)
            found.append(len(results))
    engine.dispose()
    return {
        "p50_ms": _ms(_p(times, 0.5)),
        "p99_ms": _ms(_p(times, 0.99)),
        "results_mean": round(statistics.mean(found), 1),
    }


def time_vocabulary(url: str, corpus: Corpus) -> dict:
    """What the term statistics replace: ts_stat (PostgreSQL) or an fts5vocab lookup (SQLite)."""
    engine = make_engine(url)
    figures: dict = {}
    word = corpus.query_words("common")[0]
    with engine.connect() as connection:
        started = time.perf_counter()
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT count(*) FROM ts_stat('SELECT search_vector FROM papers')"
            )
            figures["ts_stat_s"] = round(time.perf_counter() - started, 1)
        else:
            connection.exec_driver_sql(
                "CREATE VIRTUAL TABLE temp.bench_vocab USING fts5vocab(main, papers_fts, 'row')"
            )
            started = time.perf_counter()
            connection.exec_driver_sql(
                "SELECT doc FROM temp.bench_vocab WHERE term = ?", (word,)
            ).all()
            figures[f"fts5vocab_{word}_ms"] = _ms(time.perf_counter() - started)
    engine.dispose()
    return figures


def bench_database(name: str, url: str, corpus: Corpus, args) -> dict:
    print(f"{name}: preparing...", file=sys.stderr)
    results: dict = {"statistics": ensure_statistics(url)}
    password_hash = hash_password(BENCH_PASSWORD)
    prepared = prepare_radar_user(url, corpus, seed=args.seed, password_hash=password_hash)
    results["user"] = prepared
    print(f"  {prepared}", file=sys.stderr)
    results["model"] = time_models(url, prepared.user_id, args.saves, args.seed)
    results["ranking"] = time_ranking(url, prepared.user_id)
    results["similar"] = time_similar(url, args.similar, args.seed)
    if args.vocabulary:
        results["vocabulary"] = time_vocabulary(url, corpus)
    if not args.no_pages:
        print(f"{name}: / and /radar over HTTP...", file=sys.stderr)
        results["pages"] = time_pages(url, prepared.email, args)
    return results


def print_results(results: dict[str, dict]) -> None:
    names = list(results)
    print()
    print(f"| figure | {' | '.join(names)} |")
    print(f"| --- | {' | '.join('---:' for _ in names)} |")
    for section in ("statistics", "model", "ranking", "similar", "vocabulary", "pages"):
        keys: list[str] = []
        for result in results.values():
            keys += [k for k in result.get(section, {}) if k not in keys]
        for key in keys:
            if key == "reasons_example":
                continue
            values = [str(results[n].get(section, {}).get(key, "–")) for n in names]
            print(f"| {section}: {key} | {' | '.join(values)} |")
    for name in names:
        example = results[name]["ranking"].get("reasons_example")
        print(f"\n{name}: top entry's reasons: {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--similar", type=int, default=200)
    parser.add_argument("--vocabulary", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip the HTTP comparison")
    parser.add_argument("--page-runs", type=int, default=3, help="interleaved wrk rounds")
    parser.add_argument("--page-seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    spec = CorpusSpec(papers=args.papers, seed=args.seed)
    corpora = ensure_corpora(spec, not args.no_sqlite, not args.no_postgres)
    describe(spec, corpora)
    corpus = Corpus(spec)
    results = {name: bench_database(name, url, corpus, args) for name, (url, _) in corpora.items()}
    print_results(results)


if __name__ == "__main__":
    main()
