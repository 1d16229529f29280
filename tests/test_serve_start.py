"""`serve` answers /healthz at once and never builds indexes on start (issue 3).

A bulk import killed half-way leaves the full-text index paused; rebuilding it at 1M papers
takes minutes (bench/import.py), so serve must start without touching it and leave that to
`academichub index rebuild`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.search_index import pause_search_index, restore_search_index, search_index_paused


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_starts_without_building_a_paused_index(db_url, engine, tmp_path):
    with engine.begin() as connection:
        pause_search_index(connection)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMICHUB_")}
    env.update(ACADEMICHUB_DATABASE_URL=db_url, ACADEMICHUB_DATA_DIR=str(tmp_path / "data"))
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < 30:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("serve never answered /healthz")
        assert httpx.get(f"http://127.0.0.1:{port}/api/papers?q=anything").status_code == 200
        with engine.connect() as connection:
            assert search_index_paused(connection), "serve rebuilt the full-text index on start"
    finally:
        process.terminate()
        process.wait(timeout=30)
        restore_search_index(engine)
