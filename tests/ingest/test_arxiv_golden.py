"""Golden files: each recorded arXiv document parses to exactly the saved ParsedFeed.

Regenerate after an intended parser change with `UPDATE_GOLDEN=1 pytest tests/ingest`, then read the
diff (`zcat` the .json.gz one) against the raw XML before committing it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from app.ingest.arxiv import parse_arxiv_api, parse_arxiv_feed
from app.schemas import ParsedFeed
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"
GOLDEN = FIXTURES / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# (fixture under tests/fixtures/feeds, parser). The 2.8 MB document's golden is gzip-compressed.
CASES: list[tuple[str, Callable[[bytes], ParsedFeed]]] = [
    ("arxiv-rss/rss-all-archives-2024-11-28.xml", parse_arxiv_feed),
    ("arxiv-rss/rss-cs.AI-2026-04-27-trimmed-3-items.xml", parse_arxiv_feed),
    ("arxiv-rss/atom-cs.AI-2025-08-20-truncated-by-recorder.xml", parse_arxiv_feed),
    ("arxiv-rss/rss-empty-test-archive-2024-11-28.xml", parse_arxiv_feed),
    ("arxiv-rss/rss-error-bad-archive-2024-11-28.xml", parse_arxiv_feed),
    ("arxiv-api/query-all-testing-start0-max100-2026-04-12.xml", parse_arxiv_api),
    ("arxiv-api/query-all-testing-start10-max10-2026-04-12.xml", parse_arxiv_api),
    ("arxiv-api/legacy-backend-query-cat-cs.RO-neural-max2-2025-10-17.xml", parse_arxiv_api),
    ("arxiv-api/idlist-old-style-astro-ph-0601001-2026-05-11.xml", parse_arxiv_api),
    ("arxiv-api/idlist-one-invalid-one-valid-2026-04-12.xml", parse_arxiv_api),
    ("arxiv-api/empty-idlist-0000.0000-2026-04-12.xml", parse_arxiv_api),
    ("arxiv-api/error-400-bad-id-abc-2026-04-12.xml", parse_arxiv_api),
]
COMPRESSED = {"rss-all-archives-2024-11-28"}


def _golden_path(fixture: str) -> Path:
    stem = Path(fixture).stem
    return GOLDEN / (f"{stem}.json.gz" if stem in COMPRESSED else f"{stem}.json")


def _write_golden(path: Path, data: dict) -> None:
    """Indented JSON keeps diffs reviewable; gzip with mtime 0 keeps the bytes reproducible."""
    payload = (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    if path.suffix == ".gz":
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
            out.write(payload)
        payload = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)


def _read_golden(path: Path) -> dict:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


@pytest.mark.parametrize(("fixture", "parse"), CASES, ids=[Path(c[0]).stem for c in CASES])
def test_parse_matches_golden(fixture: str, parse: Callable[[bytes], ParsedFeed]) -> None:
    actual = parse((FEEDS / fixture).read_bytes()).model_dump(mode="json")
    path = _golden_path(fixture)
    if UPDATE:
        _write_golden(path, actual)
    assert path.exists(), f"no golden file {path.name}; run with UPDATE_GOLDEN=1 and review it"
    expected = _read_golden(path)

    actual_records, expected_records = actual.pop("records"), expected.pop("records")
    assert actual == expected
    assert len(actual_records) == len(expected_records)
    for index, (got, want) in enumerate(zip(actual_records, expected_records, strict=True)):
        assert got == want, f"record {index} ({want.get('arxiv_id') or want.get('guid')}) differs"
