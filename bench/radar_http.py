"""The radar page against the plain Curated Daily page over HTTP (issue 6's target: /radar within
2× of / at 32 connections), for bench/radar.py.

The app runs as `serve --workers 2 --no-scheduler` (bench/pages.py's `start_app`); the benchmark
person logs in through /login like a browser, and wrk sends its session cookie with every request.
Rows alternate (daily, radar, daily, radar, ...) so both see the same machine.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.pages import run_wrk, start_app, write_paths

BENCH_PASSWORD = "bench radar password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class PageFigures:
    row: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def log_in(base_url: str, email: str, password: str) -> str:
    """The Cookie header of a session made through the real log-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base_url + "/login", timeout=30).read().decode()
    token = _CSRF.search(form).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": password, "next": "/radar"}
    ).encode()
    opener.open(base_url + "/login", data=data, timeout=60).read()
    cookies = {c.name: c.value for c in jar}
    if "ah_session" not in cookies:
        raise RuntimeError("log-in failed: no session cookie")
    return f"ah_session={cookies['ah_session']}; ah_signed_in=1"


def _figures(row: str, run: dict) -> PageFigures:
    seconds = run["duration_us"] / 1e6
    errors = sum(run["errors"].values())
    latency = run["latency_us"]
    return PageFigures(
        row, run["requests"] / seconds, latency["p50"] / 1e3, latency["p99"] / 1e3, errors
    )


def time_pages(url: str, email: str, args) -> dict:
    """req/s, p50 and p99 of / and /radar (the person's session on both), medians of the runs."""
    with start_app(url) as server:
        cookie = log_in(server.url, email, BENCH_PASSWORD)
        paths = {
            "daily /": write_paths(["/"], "radar-daily"),
            "radar /radar": write_paths(["/radar"], "radar-radar"),
        }
        for path in ("/", "/radar"):  # warm every cache the first requests fill
            request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})
            urllib.request.urlopen(request, timeout=120).read()
        runs: dict[str, list[PageFigures]] = {row: [] for row in paths}
        for _ in range(args.page_runs):
            for row, file in paths.items():
                wrk_args = _WrkArgs(args.connections, cookie)
                run_wrk(server, Path(file), 3, wrk_args)
                time.sleep(1)
                runs[row].append(
                    _figures(row, run_wrk(server, Path(file), args.page_seconds, wrk_args))
                )
    result = {}
    for row, figures in runs.items():
        result[f"{row}: req/s"] = (
            f"{statistics.median(f.requests_per_second for f in figures):,.0f}"
        )
        result[f"{row}: p50 / p99 ms"] = (
            f"{statistics.median(f.p50_ms for f in figures):.1f} / "
            f"{statistics.median(f.p99_ms for f in figures):.1f}"
        )
        result[f"{row}: errors"] = str(sum(f.errors for f in figures))
    daily, radar = runs["daily /"], runs["radar /radar"]
    p50 = statistics.median(f.p50_ms for f in radar) / statistics.median(f.p50_ms for f in daily)
    p99 = statistics.median(f.p99_ms for f in radar) / statistics.median(f.p99_ms for f in daily)
    result["radar ÷ daily: p50 / p99 (target ≤ 2)"] = f"{p50:.2f} / {p99:.2f}"
    return result


@dataclass(frozen=True)
class _WrkArgs:
    """What bench/pages.py's run_wrk reads from its arguments, plus the session cookie."""

    connections: int
    cookie: str
    threads: int = 2
