"""A real site in headless Chromium: `python -m app serve` on SQLite, filled by a real poll.

`site` (session): a temp SQLite database filled by `sources add` + `poll` of the recorded
all-archives feed served from loopback, plus hostile papers (tests/browser/hostile.py), then
`serve --workers 1 --no-scheduler` on a free port. `pages` (per test): opens pages in fresh browser
contexts and fails the test if any of them raised a dialog, logged a console error (CSP violations
included), threw, or asked for anything outside the site.

Chromium is Debian's (/usr/bin/chromium): Playwright's own browser download does not work here.
A missing browser fails the tests, never skips them: .ci/run installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from tests.browser.hostile import insert_hostile_papers
from tests.support.loopback import LoopbackServer

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's hosts at every start,
# which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
FIXTURES = Path(__file__).parents[1] / "fixtures"
ALL_ARCHIVES = FIXTURES / "feeds/arxiv-rss/rss-all-archives-2024-11-28.xml"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
STARTUP_SECONDS = 30
SERVE = (sys.executable, "-m", "app", "serve", "--host", "127.0.0.1")
# Reports every CSP violation as a console error, so the console check below sees it even when
# Chromium would not log it (evaluated through the DevTools protocol, so the CSP allows it).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked}`);
});
"""


@dataclass(frozen=True)
class Site:
    base_url: str
    database_url: str
    hostile_source_id: int

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_cli(env: dict[str, str], cwd: Path, *args: str) -> None:
    """`python -m app ARGS` as the tests in test_cli.py run it; fails the setup on exit 1."""
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(f"`academichub {' '.join(args)}` failed:\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """The served site; its database holds the recorded feed's 1,504 papers and the hostile ones."""
    root = tmp_path_factory.mktemp("browser-site")
    database_url = f"sqlite:///{root / 'site.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(ACADEMICHUB_DATABASE_URL=database_url, ACADEMICHUB_DATA_DIR=str(root / "data"))
    with LoopbackServer() as feeds:
        feed_url = feeds.add("/rss/all", ALL_ARCHIVES.read_bytes())
        _run_cli(env, root, "db", "upgrade")
        _run_cli(env, root, "sources", "add", feed_url, "--kind", "arxiv", "--label", "arXiv")
        _run_cli(env, root, "poll")
    hostile_source_id = insert_hostile_papers(database_url)
    port = _free_port()
    log_path = root / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            # One worker, and no scheduler: nothing polls behind the tests' backs.
            [*SERVE, "--port", str(port), "--workers", "1", "--no-scheduler"],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for_health(server, base_url, log_path)
            yield Site(base_url, database_url, hostile_source_id)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_health(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"serve did not answer /healthz in {STARTUP_SECONDS} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium; its absence is a failure with the command that installs it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(`apt-get install -y chromium chromium-driver`, as .ci/run does).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class Watch:
    """What one page did that a page of ours must never do."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext, page: Page) -> None:
        context.route("**/*", self._only_the_site)
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _dialog(self, dialog) -> None:
        self.problems.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    def _only_the_site(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.problems.append(f"request outside the site: {url}")
            route.abort()


class Pages:
    """Opens pages of the site, each in its own context, and collects what went wrong."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.browser = browser
        self.site = site
        self.watches: list[Watch] = []
        self.contexts: list[BrowserContext] = []

    def open(
        self,
        path: str = "/",
        *,
        width: int = 1280,
        height: int = 900,
        color_scheme: str = "light",
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.site.base_url,
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,
            reduced_motion="reduce",
        )
        context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(10_000)
        page = context.new_page()
        watch = Watch(self.site.base_url)
        watch.attach(context, page)
        self.contexts.append(context)
        self.watches.append(watch)
        page.goto(path)
        return page

    def problems(self) -> list[str]:
        return [problem for watch in self.watches for problem in watch.problems]

    def take_problems(self) -> list[str]:
        """What went wrong so far, forgotten afterwards (for tests that provoke it on purpose)."""
        problems = self.problems()
        for watch in self.watches:
            watch.problems.clear()
        return problems

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, site) -> Iterator[Pages]:
    """Fresh browser contexts for one test; no dialog, console error or outside request allowed."""
    opened = Pages(browser, site)
    yield opened
    problems = opened.problems()
    opened.close()
    assert not problems, "the pages misbehaved:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the top of the repository (gitignored): screenshots, axe reports."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
