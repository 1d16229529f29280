"""Issue 3's bulk-import figures: `academichub import arxiv-snapshot` on SQLite and PostgreSQL.

    python bench/import.py [--papers 1000000] [--seed 1] [--no-sqlite] [--no-postgres] [--gzip]

1. Generates a snapshot file in the Kaggle dump's shape from bench/corpus.py's corpus (same
   seed, same papers: ~6 authors a paper drawn from a long-tailed (Zipf-Mandelbrot) population,
   ~1,100-character abstracts from a Zipfian vocabulary with a little TeX, 20 years of days,
   1-4 versions, ~8% DOIs), cached under /tmp/academichub-bench/.
2. Per database: a fresh SQLite file / a fresh PostgreSQL database `academichub_bench_import`,
   migrated (not timed); then `python -m app import arxiv-snapshot FILE --json` in a child
   process (the default `--index auto` pauses the full-text index on an empty database and
   rebuilds it at the end); then the same file again (the re-import: every paper unchanged).
3. Prints side by side: papers/s excluding the index, the index build, peak RSS of the import
   process (os.wait4's ru_maxrss), the re-import and its speed-up, the share of CPU other
   processes used meanwhile, and the index build against ../shared/PERF-NOTES.md's anchors.
Assert nothing about time (DESIGN, "Tests").
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import corpus as corpus_module  # noqa: E402
from bench.corpus import BENCH_DIR, POSTGRES_SERVER, Corpus, CorpusSpec  # noqa: E402
from bench.pages import TICKS, _process_ticks  # noqa: E402

FORMAT = 1  # bump when the generated file changes
PG_DATABASE = "academichub_bench_import"
# ../shared/PERF-NOTES.md, "Full-text search over 1M abstracts": raw index builds.
ANCHOR_INDEX_SECONDS = {"sqlite": 88.0, "postgresql": 266.0}
ANCHOR_PAPERS = 1_000_000
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# --- the snapshot file -----------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    """arXiv's version date: 'Mon, 2 Apr 2007 19:18:42 GMT'."""
    return (
        f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year} "
        f"{moment:%H:%M:%S} GMT"
    )


def _record(corpus: Corpus, rng: random.Random, day: str, arxiv_id: str) -> dict:
    categories = corpus_module._categories(corpus, rng)
    size = min(60, max(1, round(rng.lognormvariate(1.55, 0.6))))
    ranks = corpus.draw_author_ranks(rng, size)
    names = list(dict.fromkeys(corpus.author_by_rank(r) for r in ranks))
    parsed = [[name.rsplit(" ", 1)[1], name.rsplit(" ", 1)[0], ""] for name in names]
    title = corpus_module._text(corpus, rng, corpus.title_cum, rng.randint(6, 14))
    if rng.random() < 0.05:
        title += f" with {rng.choice(corpus_module.MATH_SNIPPETS)}"
    first = datetime.fromisoformat(day) + timedelta(
        hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
    )
    versions, moment = [], first
    for number in range(1, rng.choices((1, 2, 3, 4), (70, 20, 7, 3))[0] + 1):
        versions.append({"version": f"v{number}", "created": _stamp(moment)})
        moment += timedelta(days=rng.randint(3, 200), seconds=rng.randint(0, 86_399))
    doi = journal = None
    if rng.random() < 0.08:
        volume = int(day[:4]) - 1920
        doi = f"10.1103/PhysRevD.{volume}.{rng.randint(10000, 99999)}"
        journal = f"Phys. Rev. D {volume}, {rng.randint(10000, 99999)} ({int(day[:4]) + 1})"
    return {
        "id": arxiv_id,
        "submitter": names[0],
        "authors": ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1],
        "title": title,
        "comments": corpus_module._comments(corpus, rng),
        "journal-ref": journal,
        "doi": doi,
        "report-no": None,
        "categories": " ".join(categories),
        "license": corpus_module.LICENSE if rng.random() < 0.6 else None,
        "abstract": "  " + corpus_module._abstract(corpus, rng) + "\n",
        "versions": versions,
        "update_date": f"{moment - timedelta(days=1):%Y-%m-%d}",
        "authors_parsed": parsed,
    }


def _chunk_lines(plan: tuple[int, list[tuple[str, str]]]) -> bytes:
    corpus = corpus_module._CORPUS
    first_id, slots = plan
    rng = random.Random(f"snapshot:{corpus.spec.seed}:{first_id}")
    lines = (json.dumps(_record(corpus, rng, day, arxiv_id)) for day, arxiv_id in slots)
    return ("\n".join(lines) + "\n").encode()


def snapshot_file(spec: CorpusSpec, compress: bool) -> Path:
    """The cached snapshot file of `spec` (generated with two forked workers if missing)."""
    path = BENCH_DIR / f"snapshot-{spec.papers}-s{spec.seed}-f{FORMAT}.jsonl"
    if compress:
        path = path.with_suffix(".jsonl.gz")
    if path.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus = Corpus(spec)
    corpus.author_names  # noqa: B018 -- built once, before forking
    corpus_module._CORPUS = corpus
    partial = path.with_suffix(path.suffix + ".part")
    opener = gzip.open if compress else open
    with opener(partial, "wb") as out, multiprocessing.get_context("fork").Pool(2) as pool:
        for block in pool.imap(_chunk_lines, corpus.chunk_plan()):
            out.write(block)
    partial.rename(path)
    size = path.stat().st_size / 1e6
    print(f"generated {path} ({size:,.0f} MB) in {time.perf_counter() - started:.0f} s", flush=True)
    return path


# --- running imports ---------------------------------------------------------------------------


def fresh_database(kind: str, papers: int) -> str:
    """A new, migrated database; returns its URL."""
    if kind == "sqlite":
        path = BENCH_DIR / f"import-{papers}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = f"{POSTGRES_SERVER}/postgres"
        for statement in (
            f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
            f"CREATE DATABASE {PG_DATABASE}",
        ):
            subprocess.run(["psql", admin, "-q", "-c", statement], check=True)
        url = f"{POSTGRES_SERVER}/{PG_DATABASE}"
    _app(url, "db", "upgrade")
    return url


def _app(url: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(ACADEMICHUB_DATABASE_URL=url, ACADEMICHUB_DATA_DIR=str(BENCH_DIR / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if args[0] == "db" else None,
    )
    if args[0] == "db":
        process.wait()
    return process


def run_import(url: str, path: Path, postgres: bool) -> dict:
    """One import in a child process: its JSON summary plus wall time, peak RSS, others' CPU."""
    before, started = _process_ticks(), time.monotonic()
    process = _app(url, "import", "arxiv-snapshot", str(path), "--json")
    watcher = TreeMemory(process.pid)
    watcher.start()
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    watcher.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"import failed with exit status {process.returncode}")
    summary = json.loads(stdout)
    summary["wall_seconds"] = elapsed
    summary["peak_rss_mb"] = usage.ru_maxrss / 1024  # the largest single process (wait4)
    summary["peak_tree_rss_mb"] = watcher.peak / 1024  # the import and its workers together
    summary["others"] = _others(before, elapsed, postgres)
    return summary


class TreeMemory(threading.Thread):
    """Peak of the summed RSS of a process and its children (the import's workers), sampled
    every 0.2 s from /proc."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, sum(_rss_kb(p) for p in (self.pid, *_children(self.pid))))

    def stop(self) -> None:
        self.done.set()
        self.join()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _others(before: dict, elapsed: float, postgres: bool) -> float:
    """Share of the machine's CPU used by processes that are neither ours nor PostgreSQL's
    (processes alive at the end only: a lower bound)."""
    group = os.getpgid(0)
    foreign = sum(
        ticks - before.get(pid, (0, "", 0))[0]
        for pid, (ticks, comm, pgid) in _process_ticks().items()
        if pgid != group and not (postgres and comm == "postgres")
    )
    return max(0, foreign) / TICKS / elapsed / (os.cpu_count() or 1)


def bench_database(kind: str, path: Path, papers: int) -> dict:
    url = fresh_database(kind, papers)
    postgres = kind == "postgresql"
    print(f"\n{kind}: first import", file=sys.stderr, flush=True)
    first = run_import(url, path, postgres)
    print(f"\n{kind}: re-import of the same file", file=sys.stderr, flush=True)
    again = run_import(url, path, postgres)
    return {"first": first, "again": again}


# --- the table ---------------------------------------------------------------------------------


def print_table(results: dict[str, dict], papers: int) -> None:
    kinds = list(results)

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<44}" + "".join(f"{v:>18}" for v in values))

    print(f"\nbulk import of {papers:,} snapshot records ({date.today()})")
    row("", kinds)
    first = [results[k]["first"] for k in kinds]
    again = [results[k]["again"] for k in kinds]
    row("papers/s, excluding the full-text index", [f"{_rate(f):,.0f}" for f in first])
    row("import seconds (excluding index)", [f"{f['import_seconds']:,.1f}" for f in first])
    row("index build seconds", [_index(f) for f in first])
    anchors = [_anchor(k, f, papers) for k, f in zip(kinds, first, strict=True)]
    row("index build / PERF-NOTES anchor (scaled)", anchors)
    row("peak RSS, largest process, MB", [f"{f['peak_rss_mb']:,.0f}" for f in first])
    row("peak RSS, import + workers summed, MB", [f"{f['peak_tree_rss_mb']:,.0f}" for f in first])
    row(
        "papers new / malformed", [f"{f['papers_new']:,} / {f['lines_malformed']:,}" for f in first]
    )
    row("re-import seconds", [f"{a['import_seconds']:,.1f}" for a in again])
    row("re-import papers/s", [f"{_rate(a):,.0f}" for a in again])
    speedups = [
        f"{f['import_seconds'] / a['import_seconds']:.2f}x"
        for f, a in zip(first, again, strict=True)
    ]
    row("re-import speed-up (first / again)", speedups)
    row(
        "re-import peak RSS (largest / summed), MB",
        [f"{a['peak_rss_mb']:,.0f} / {a['peak_tree_rss_mb']:,.0f}" for a in again],
    )
    row("re-import unchanged", [f"{a['papers_unchanged']:,}" for a in again])
    row(
        "others' CPU share (first / again)",
        [f"{f['others']:.0%} / {a['others']:.0%}" for f, a in zip(first, again, strict=True)],
    )
    print(
        "\nothers: share of the 2 cores used by processes other than this benchmark and "
        "PostgreSQL (a lower bound). Anchors: SQLite FTS5 88 s, PostgreSQL tsvector + GIN 266 s "
        "at 1M (../shared/PERF-NOTES.md), scaled linearly to the run's size."
    )


def _rate(summary: dict) -> float:
    return summary["lines"] / summary["import_seconds"] if summary["import_seconds"] else 0.0


def _index(summary: dict) -> str:
    seconds = summary.get("index_seconds")
    return "not paused" if seconds is None else f"{seconds:,.1f}"


def _anchor(kind: str, summary: dict, papers: int) -> str:
    seconds = summary.get("index_seconds")
    if seconds is None:
        return "-"
    anchor = ANCHOR_INDEX_SECONDS[kind] * papers / ANCHOR_PAPERS
    return f"{seconds / anchor:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gzip", action="store_true", help="import a .gz copy of the file")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    spec = CorpusSpec(papers=args.papers, seed=args.seed)
    path = snapshot_file(spec, args.gzip)
    if args.generate_only:
        return
    kinds = [
        k for k, skip in (("sqlite", args.no_sqlite), ("postgresql", args.no_postgres)) if not skip
    ]
    results = {kind: bench_database(kind, path, args.papers) for kind in kinds}
    print_table(results, args.papers)
    print("\n" + json.dumps({"papers": args.papers, "file": str(path), "results": results}))


if __name__ == "__main__":
    main()
