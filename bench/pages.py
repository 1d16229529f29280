"""Page figures at scale: requests/s and p50/p99 of the Curated Daily pages and the papers API,
side by side with the framework ceiling, on SQLite and PostgreSQL (prints, asserts nothing).

    python bench/pages.py [--papers 1000000] [--runs 3] [--duration 15] [--warmup 3]
                          [--no-sqlite] [--no-postgres] [--rows KEY,...] [--profile [KEY,...]]
                          [--no-breakdown]

For each database: build or reuse the corpus (bench/corpus.py), start the framework ceiling
(bench/ceiling.py) and `python -m app serve --workers 2 --no-scheduler` on loopback, and run wrk
(2 threads, 32 connections) on every row, `--runs` interleaved rounds (medians shown), each run
after the servers went idle and a warm-up on a different URL list. Rows rotate
through 20,000 URLs each (bench/wrk/rotate.lua), so a per-URL cache alone cannot carry a figure:
authors (prolific, byline-weighted and uniform), queries (rare to very common words, pairs,
phrases, OR, negation), shuffle seeds, days, and API filters and pages. Then, one request at a
time in-process, where each page's time goes (SQL statements and time, template, the rest); with
--profile, py-spy samples both workers under load and sorts the samples by layer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import BENCH_DIR, Corpus, CorpusSpec, describe, ensure_corpora  # noqa: E402

LUA = ROOT / "bench/wrk/rotate.lua"
PATHS = 20_000
SECRET_KEY = "bench-only-secret-key-not-for-production-use"
TARGET_SHARE, TARGET_P99_MS, TARGET_SHUFFLE = 0.5, 100, 1.5


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    server: str  # "ceiling" or "app"
    kind: str  # "ceiling", "page" (held to the targets) or "extra" (shown, not targeted)


ROWS = (
    Row("ceiling", "ceiling: daily.html, 50 cards from memory", "ceiling", "ceiling"),
    Row("ceiling+cards", "ceiling + 50 cards built per request", "ceiling", "extra"),
    Row("cached", "ceiling, page rendered once (a page-cache hit)", "ceiling", "extra"),
    Row("latest", "/  (latest day)", "app", "page"),
    Row("day", "/?day=  (every announcement day)", "app", "extra"),
    Row("author", "/?author=  (prolific, byline-weighted, any)", "app", "page"),
    Row("shuffle", "/?shuffle=  (random seeds)", "app", "page"),
    Row("query", "/?q=  (rare..common words, pairs, phrases)", "app", "page"),
    Row("api", "/api/papers  (filters and pages)", "app", "page"),
)


# --- rotating URL lists --------------------------------------------------------------------------


def author_names(corpus: Corpus, rng: random.Random, count: int) -> list[str]:
    """10% the 20 most prolific, 45% as bylines draw them (a card's author link), 45% anyone."""
    ranks = []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.10:
            ranks.append(rng.randrange(20))
        elif pick < 0.55:
            ranks.extend(corpus.draw_author_ranks(rng, 1))
        else:
            ranks.append(rng.randrange(corpus.spec.authors))
    return [corpus.author_by_rank(r) for r in ranks]


def queries(corpus: Corpus, rng: random.Random, count: int) -> list[str]:
    """Single words by how many papers they match, pairs, phrases, OR and negation."""
    rare, medium, common = (corpus.query_words(b) for b in ("rare", "medium", "common"))
    c = rng.choice
    forms = (
        (20, lambda: c(rare)),
        (15, lambda: c(medium)),
        (15, lambda: c(common)),
        (15, lambda: f"{c(common)} {c(common)}"),
        (10, lambda: f"{c(rare)} {c(common)}"),
        (8, lambda: f"{c(medium)} {c(common)}"),
        (5, lambda: f"{c(rare)} {c(rare)}"),
        (4, lambda: f'"{c(common)} {c(common)}"'),
        (4, lambda: f"{c(common)} OR {c(rare)}"),
        (4, lambda: f"{c(common)} -{c(common)}"),
    )
    weights = [w for w, _ in forms]
    return [rng.choices(forms, weights)[0][1]() for _ in range(count)]


def api_paths(corpus: Corpus, rng: random.Random, count: int) -> list[str]:
    """No filter (pages 1-20), a category, an author, a day or a query (pages 1-5)."""
    days = [day for day, _ in corpus.schedule]
    paths = []
    for _ in range(count):
        pick, page = rng.random(), rng.randint(1, 5)
        if pick < 0.30:
            paths.append(f"/api/papers?page={rng.randint(1, 20)}")
        elif pick < 0.50:
            code = rng.choices(corpus.categories, cum_weights=corpus.category_cum)[0]
            paths.append(f"/api/papers?category={code}&page={page}")
        elif pick < 0.70:
            name = author_names(corpus, rng, 1)[0]
            paths.append(f"/api/papers?author={quote(name)}")
        elif pick < 0.85:
            paths.append(f"/api/papers?day={rng.choice(days).isoformat()}")
        else:
            paths.append(f"/api/papers?q={quote_plus(queries(corpus, rng, 1)[0])}")
    return paths


def row_paths(corpus: Corpus, key: str, seed: int, count: int = PATHS) -> list[str]:
    """The URL list of one row; a different `seed` gives a different list (the warm-up's)."""
    rng = random.Random(f"paths:{key}:{seed}")
    if key == "ceiling":
        return ["/"]
    if key == "ceiling+cards":
        return ["/cards"]
    if key == "cached":
        return ["/cached"]
    if key == "latest":
        return ["/"]
    if key == "day":
        days = [day.isoformat() for day, _ in corpus.schedule]
        rng.shuffle(days)
        return [f"/?day={day}" for day in days]
    if key == "author":
        return [f"/?author={quote(name)}" for name in author_names(corpus, rng, count)]
    if key == "query":
        return [f"/?q={quote_plus(q)}" for q in queries(corpus, rng, count)]
    if key == "shuffle":
        return [f"/?shuffle={rng.randint(1, 999_999_999)}" for _ in range(count)]
    return api_paths(corpus, rng, count)


def write_paths(paths: list[str], name: str) -> Path:
    folder = BENCH_DIR / "paths"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.txt"
    target.write_text("\n".join(paths) + "\n")
    return target


# --- servers and wrk -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process group we started; stopped by its own process-group id, nothing else."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.log = BENCH_DIR / f"{name}.log"
        data = BENCH_DIR / "data"
        data.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, env={**os.environ, **env}, cwd=data, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_) -> None:
        self.stop()


def start_app(url: str) -> Server:
    env = {
        "ACADEMICHUB_DATABASE_URL": url,
        "ACADEMICHUB_DATA_DIR": str(BENCH_DIR / "data"),
        "ACADEMICHUB_SECRET_KEY": SECRET_KEY,
    }
    port = free_port()
    command = [sys.executable, "-m", "app", "serve", "--workers", "2", "--no-scheduler"]
    return Server("app", [*command, "--host", "127.0.0.1", "--port", str(port)], env, port)


def start_ceiling(url: str) -> Server:
    env = {"ACADEMICHUB_BENCH_CEILING_DB": url, "PYTHONPATH": str(ROOT)}
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.ceiling:create_app", "--factory"]
    command += ["--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    return Server("ceiling", [*command, "--log-level", "warning", "--no-access-log"], env, port)


def run_wrk(server: Server, paths: Path, seconds: float, args) -> dict:
    """One wrk run; the figures rotate.lua's done() printed."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s"]
    if getattr(args, "cookie", None):  # a signed-in reader (bench/radar_http.py)
        command += ["-H", f"Cookie: {args.cookie}"]
    command += ["--timeout", "10s", "-s", str(LUA), server.url, "--", str(paths), str(args.threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise RuntimeError(f"wrk printed no figures: {done.stdout}\n{done.stderr}")


def probe(server: Server, paths: list[str], count: int = 12) -> Counter:
    """Status codes of a few of the row's URLs, asked one by one before the run."""
    statuses: Counter = Counter()
    for path in paths[:count]:
        try:
            with urllib.request.urlopen(server.url + path, timeout=30) as answer:
                answer.read()
                statuses[answer.status] += 1
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1
    return statuses


# --- CPU used by others during a run (this machine is shared) ---------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks() -> dict[int, tuple[int, str, int]]:
    """pid -> (CPU ticks so far, command name, process group) of every process."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        parts = fields.split()
        found[int(stat.parent.name)] = (int(parts[11]) + int(parts[12]), comm, int(parts[2]))
    return found


class CpuWatch:
    """Share of the machine's CPU that processes other than the benchmark's used meanwhile.

    Ours: the servers' process groups, this process and its children (wrk), and -- in a
    PostgreSQL run -- every postgres process. Counted from processes alive at the end of the run
    (a process that starts and exits within the run is missed), so it is a lower bound.
    """

    def __init__(self, servers: list[Server], postgres: bool) -> None:
        self.groups = {os.getpgid(server.process.pid) for server in servers}
        self.groups.add(os.getpgid(0))
        self.postgres = postgres

    def _own(self) -> dict[int, int]:
        return {
            pid: ticks
            for pid, (ticks, comm, group) in _process_ticks().items()
            if group in self.groups or (self.postgres and comm == "postgres")
        }

    def settle(self, timeout: float = 90) -> float:
        """Wait until the servers (and PostgreSQL) are idle: requests that wrk gave up on keep
        running after its run and would slow the next row down. Returns the seconds waited."""
        started = time.monotonic()
        last = self._own()
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            now = self._own()
            # Per process: a PostgreSQL backend that exits takes its CPU time with it.
            busy = sum(ticks - last.get(pid, 0) for pid, ticks in now.items())
            last = now
            if busy <= TICKS * 0.02:  # under 4% of one core for half a second
                break
        return time.monotonic() - started

    def __enter__(self) -> CpuWatch:
        self.started, self.before = time.monotonic(), _process_ticks()
        return self

    def __exit__(self, *_) -> None:
        elapsed = time.monotonic() - self.started
        foreign = 0
        for pid, (ticks, comm, group) in _process_ticks().items():
            if group in self.groups or (self.postgres and comm == "postgres"):
                continue
            foreign += ticks - self.before.get(pid, (0, "", 0))[0]
        self.others = max(0, foreign) / TICKS / elapsed / (os.cpu_count() or 1)


@dataclass
class Figures:
    row: Row
    rps: float
    p50_ms: float
    p99_ms: float
    kb: float
    errors: int
    others: float  # share of the machine's CPU used by other processes meanwhile
    spread: float = 0.0  # (max - min) / median of req/s over the runs
    statuses: Counter | None = None


def measure(server: Server, row: Row, files: tuple[Path, Path], watch: CpuWatch, args) -> Figures:
    """A warm-up on the row's other URL list, then the measured run."""
    measured, warm = files
    waited = watch.settle()
    if waited > 2:
        print(
            f"  (waited {waited:.0f} s for the servers to finish earlier requests)", file=sys.stderr
        )
    if args.warmup:
        run_wrk(server, warm, args.warmup, args)
    with watch:
        result = run_wrk(server, measured, args.duration, args)
    requests = max(result["requests"], 1)
    figures = Figures(
        row,
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["latency_us"]["p50"] / 1000,
        p99_ms=result["latency_us"]["p99"] / 1000,
        kb=result["bytes"] / requests / 1024,
        errors=sum(result["errors"].values()),
        others=watch.others,
    )
    print(f"  {row.label:<46} {figures.rps:7,.0f} req/s  p50 {figures.p50_ms:6.1f} ms  "
          f"p99 {figures.p99_ms:6.1f} ms  others' CPU {figures.others:4.0%}",
          file=sys.stderr, flush=True)  # fmt: skip
    return figures


def combine(runs: list[Figures], statuses: Counter) -> Figures:
    """Medians over the runs of one row."""
    median = statistics.median
    rates = [f.rps for f in runs]
    return Figures(
        runs[0].row,
        rps=median(rates),
        p50_ms=median(f.p50_ms for f in runs),
        p99_ms=median(f.p99_ms for f in runs),
        kb=median(f.kb for f in runs),
        errors=sum(f.errors for f in runs),
        others=median(f.others for f in runs),
        spread=(max(rates) - min(rates)) / median(rates) if len(runs) > 1 else 0.0,
        statuses=statuses,
    )


# --- reporting -----------------------------------------------------------------------------------


def print_table(name: str, spec: CorpusSpec, rows: list[Figures], args) -> None:
    ceiling = next((f for f in rows if f.row.kind == "ceiling"), None)
    print(f"\n{name}, {spec.papers:,} papers: wrk {args.threads} threads, {args.connections} "
          f"connections, {args.duration:g} s a run after a {args.warmup:g} s warm-up on other "
          f"URLs, median of {args.runs} interleaved run(s); up to {PATHS:,} rotating URLs a row; "
          "app: serve --workers 2")  # fmt: skip
    header = f"{'page':<48} {'req/s':>7} {'spread':>6} {'p50 ms':>7} {'p99 ms':>7} "
    print(
        header + f"{'vs ceiling':>10} {'KB/resp':>7} {'errors':>6} {'others':>6}  probe   targets"
    )
    for f in rows:
        share = f.rps / ceiling.rps if ceiling else float("nan")
        verdict = ""
        if f.row.kind == "page":
            misses = [m for m, bad in (("req/s", share < TARGET_SHARE),
                                       ("p99", f.p99_ms >= TARGET_P99_MS)) if bad]  # fmt: skip
            verdict = "met" if not misses else "MISSED: " + ", ".join(misses)
        probe_text = " ".join(f"{n}x{code}" for code, n in sorted((f.statuses or {}).items()))
        print(f"{f.row.label:<48} {f.rps:7,.0f} {f.spread:6.0%} {f.p50_ms:7.1f} {f.p99_ms:7.1f} "
              f"{share:10.0%} {f.kb:7.0f} {f.errors:6,} {f.others:6.0%}  {probe_text:<7} "
              f"{verdict}")  # fmt: skip
    by_key = {f.row.key: f for f in rows}
    if "latest" in by_key and "shuffle" in by_key:
        latest, shuffle = by_key["latest"], by_key["shuffle"]
        slower = latest.rps / shuffle.rps
        p99 = shuffle.p99_ms / latest.p99_ms
        verdict = "met" if slower <= TARGET_SHUFFLE and p99 <= TARGET_SHUFFLE else "MISSED"
        print(f"shuffle vs /: {slower:.2f}x fewer req/s, p99 {p99:.2f}x "
              f"(target: within {TARGET_SHUFFLE}x) {verdict}")  # fmt: skip
    print("spread: (max - min) / median req/s over the runs; others: share of the 2 cores that "
          "processes outside the benchmark used during the measured runs (median)")  # fmt: skip


def print_targets() -> None:
    print(f"\ntargets: every page >= {TARGET_SHARE:.0%} of the ceiling's req/s and p99 < "
          f"{TARGET_P99_MS} ms, on both databases; shuffle within {TARGET_SHUFFLE}x of /. "
          "Rows marked 'extra' are shown for attribution, not held to the targets.")  # fmt: skip


# --- where the time goes ----------------------------------------------------------------------

SERVING = ("uvicorn/", "starlette/", "fastapi/", "anyio/", "asyncio/", "h11/", "httptools/")
WAITS = {"wait", "get", "select", "acquire", "join"}
LAYERS = (  # (layer, test on a frame's function and path); a sample goes to its deepest match
    ("SQL: driver execute + fetch", lambda fn, path: path.startswith(("psycopg/", "sqlite3/"))
     or (fn.rsplit(".", 1)[-1] in DRIVER_CALLS and path.startswith("sqlalchemy/engine/"))),
    ("template render (Jinja2)", lambda fn, path: path.startswith("jinja2/")
     or path.endswith(".html")),
    ("card text: app/web/render.py, tex.py, latex2mathml", lambda fn, path: path in CARD_TEXT
     or path.startswith("latex2mathml/")),
    ("SQLAlchemy: compile, ORM, rows, pool", lambda fn, path: path.startswith("sqlalchemy/")),
    ("pydantic", lambda fn, path: path.startswith(("pydantic/", "pydantic_core/"))),
    ("app code (pages, daily, deps, middleware)", lambda fn, path: path.startswith("app/")),
    ("JSON encoding", lambda fn, path: path.startswith("json/")),
    ("serving: uvicorn, Starlette, FastAPI, anyio", lambda fn, path: path.startswith(SERVING)),
)  # fmt: skip
CARD_TEXT = ("app/web/render.py", "app/web/tex.py")
DRIVER_CALLS = {"do_execute", "do_executemany", "fetchall", "fetchone", "fetchmany"}


def parse_frame(text: str) -> tuple[str, str]:
    """py-spy's "Class.function (package/module.py:123)" as (function, path)."""
    function, _, rest = text.partition(" (")
    return function, rest.rsplit(":", 1)[0]


def layer_of(frames: list[tuple[str, str]]) -> str:
    leaf_function, leaf_path = frames[-1]
    if leaf_path in ("threading.py", "queue.py", "selectors.py") and (
        leaf_function.rsplit(".", 1)[-1] in WAITS
    ):
        return "waiting: idle pool threads, locks (not work)"
    for function, path in reversed(frames):
        for layer, test in LAYERS:
            if test(function, path):
                return layer
    return "other (stdlib, process start-up)"


def summarise_profile(path: Path) -> None:
    """py-spy's raw (collapsed) stacks sorted into layers, plus the hottest app functions."""
    layers: Counter = Counter()
    deepest_app: Counter = Counter()
    inclusive: Counter = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [parse_frame(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        layers[layer_of(frames)] += int(count)
        app = [f"{function} ({path})" for function, path in frames if path.startswith("app/")]
        if app:
            deepest_app[app[-1]] += int(count)
        for name in set(app):
            inclusive[name] += int(count)
    total = sum(layers.values()) or 1
    print(f"  {total:,} samples of threads holding the GIL, by layer (deepest matching frame):")
    for layer, count in layers.most_common():
        print(f"    {layer:<56} {count / total:6.1%}")
    for title, counter in (
        ("app functions, inclusive (on the stack at all)", inclusive),
        ("deepest app/ frame (the app call that led to the work below it)", deepest_app),
    ):
        print(f"  {title}:")
        for frame, count in counter.most_common(14):
            print(f"    {frame:<70} {count / total:6.1%}")


def profile_row(server: Server, row: Row, corpus: Corpus, args, name: str, watch: CpuWatch) -> None:
    """py-spy both workers while wrk drives `row`; print where the samples fall."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("\n(py-spy not installed: pip install py-spy)", file=sys.stderr)
        return
    output = BENCH_DIR / f"profile-{corpus.spec.papers}-{name.lower()}-{row.key}.txt"
    paths = write_paths(row_paths(corpus, row.key, seed=3), f"{row.key}-profile")
    command = [str(spy), "record", "--pid", str(server.process.pid), "--subprocesses"]
    # --gil: only threads holding the GIL, i.e. where each worker's one Python core goes. A thread
    # inside SQLite's C code or waiting on PostgreSQL (GIL released) is not sampled; the
    # in-process table shows SQL time. Without --gil, GIL waits of 40 pool threads show up as
    # time in whatever C call released the GIL last (mostly the driver).
    command += ["--gil", "--rate", "200", "--format", "raw", "--nonblocking"]
    command += ["--output", str(output)]
    command += ["--duration", f"{args.duration + 3:.0f}"]
    watch.settle()
    spy_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    figures = run_wrk(server, paths, args.duration, args)
    spy_process.wait(timeout=args.duration + 60)
    rps = figures["requests"] / (figures["duration_us"] / 1e6)
    print(f"\nprofile of {row.label.split()[0]} on {name} under load ({rps:,.0f} req/s while "
          f"sampled at 200 Hz; raw stacks: {output}):")  # fmt: skip
    summarise_profile(output)


def print_breakdown(name: str, url: str, corpus: Corpus, rows: list[Row], count: int = 40) -> None:
    """One request at a time in-process (TestClient): statements, SQL, template, the rest."""
    import jinja2
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import cursor as sa_cursor

    from app.config import Settings
    from app.web import create_app

    spent = {"sql": 0.0, "render": 0.0, "statements": 0}

    def timed(function, key, counts=False):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[key] += time.perf_counter() - started
                spent["statements"] += counts

        return wrapper

    settings = Settings(database_url=url, data_dir=BENCH_DIR / "data", secret_key=SECRET_KEY)
    application = create_app(settings)
    dialect = application.state.engine.dialect
    dialect.do_execute = timed(dialect.do_execute, "sql", counts=True)
    strategy = sa_cursor.CursorFetchStrategy
    originals = {n: getattr(strategy, n) for n in ("fetchone", "fetchmany", "fetchall")}
    for method, original in originals.items():
        setattr(strategy, method, timed(original, "sql"))
    original_render = jinja2.Template.render
    jinja2.Template.render = timed(original_render, "render")
    print(f"\n{name}: one request at a time, in-process (TestClient), median of {count} URLs "
          "of each row (SQL = driver execute + fetch; rest = everything else: ORM rows, "
          "cards, JSON, middleware, TestClient); p90 and max of the total; the largest SQL "
          "time of one request")  # fmt: skip
    print(f"{'page':<48} {'total ms':>8} {'SQL ms':>7} {'stmts':>5} {'template':>8} {'rest':>6} "
          f"{'p90 ms':>7} {'max ms':>7} {'max SQL':>8}")  # fmt: skip
    try:
        with TestClient(application) as client:
            for row in [Row("healthz", "/healthz  (harness overhead)", "app", "extra"), *rows]:
                paths = ["/healthz"] if row.key == "healthz" else row_paths(corpus, row.key, 1)
                _breakdown_row(client, row, paths, count, spent)
    finally:
        for method, original in originals.items():
            setattr(strategy, method, original)
        jinja2.Template.render = original_render
        application.state.engine.dispose()


def _breakdown_row(client, row: Row, paths: list[str], count: int, spent: dict) -> None:
    samples = []
    for n in range(count + 5):
        path = paths[n % len(paths)]
        spent.update(sql=0.0, render=0.0, statements=0)
        started = time.perf_counter()
        client.get(path)
        total = time.perf_counter() - started
        if n >= 5:  # the first few warm caches
            samples.append((total, spent["sql"], spent["statements"], spent["render"]))
    total, sql, statements, render = (
        statistics.median(column) for column in zip(*samples, strict=True)
    )
    totals = sorted(sample[0] for sample in samples)
    slowest_sql = max(sample[1] for sample in samples)
    print(f"{row.label:<48} {total * 1e3:8.1f} {sql * 1e3:7.1f} {statements:5.0f} "
          f"{render * 1e3:8.1f} {(total - sql - render) * 1e3:6.1f} "
          f"{totals[int(len(totals) * 0.9)] * 1e3:7.1f} {totals[-1] * 1e3:7.1f} "
          f"{slowest_sql * 1e3:8.1f}")  # fmt: skip


# --- entry point ---------------------------------------------------------------------------------


def bench_database(name: str, url: str, spec: CorpusSpec, corpus: Corpus, args) -> list[Figures]:
    """Both servers up; every row once per round, rounds interleaved; then profile, breakdown."""
    print(f"\n{name}: {url}", file=sys.stderr)
    rows = [r for r in ROWS if not args.rows or r.key in args.rows or r.kind == "ceiling"]
    runs: dict[str, list[Figures]] = {r.key: [] for r in rows}
    with start_ceiling(url) as ceiling, start_app(url) as app:
        servers = {"ceiling": ceiling, "app": app}
        watch = CpuWatch([ceiling, app], postgres=name == "PostgreSQL")
        files, statuses = {}, {}
        for row in rows:
            measured = row_paths(corpus, row.key, seed=1)
            warm = row_paths(corpus, row.key, seed=2)
            files[row.key] = (write_paths(measured, row.key), write_paths(warm, f"{row.key}-warm"))
            statuses[row.key] = probe(servers[row.server], measured)
        for round_number in range(1, args.runs + 1):
            print(f" round {round_number} of {args.runs}", file=sys.stderr)
            for row in rows:
                figures = measure(servers[row.server], row, files[row.key], watch, args)
                runs[row.key].append(figures)
        combined = [combine(runs[r.key], statuses[r.key]) for r in rows]
        if args.profile is not None:
            pages = [f for f in combined if f.row.kind == "page"]
            keys = args.profile or [min(pages, key=lambda f: f.rps).row.key]
            for key in keys:
                profile_row(app, next(r for r in ROWS if r.key == key), corpus, args, name, watch)
    print_table(name, spec, combined, args)
    if not args.no_breakdown:
        print_breakdown(name, url, corpus, [r for r in rows if r.server == "app"])
    return combined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--runs", type=int, default=1, help="interleaved rounds; medians shown")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--rows", type=lambda s: set(s.split(",")), default=None,
                        help=f"only these rows: {','.join(r.key for r in ROWS)}")  # fmt: skip
    parser.add_argument("--profile", nargs="?", const=[], default=None, metavar="ROW,...",
                        type=lambda s: [k for k in s.split(",") if k],
                        help="py-spy the slowest page row (or these rows) under load")  # fmt: skip
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args()
    spec = CorpusSpec(papers=args.papers, seed=args.seed)
    corpora = ensure_corpora(spec, not args.no_sqlite, not args.no_postgres)
    describe(spec, corpora)
    corpus = Corpus(spec)
    for name, (url, _) in corpora.items():
        bench_database(name, url, spec, corpus, args)
    print_targets()


if __name__ == "__main__":
    main()
