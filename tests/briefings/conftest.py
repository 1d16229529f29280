"""Briefing tests seed papers through the store, as the poller does (tests/curation/seeding)."""

from __future__ import annotations

import pytest

from tests.curation.seeding import Seeder


@pytest.fixture
def seeder(session_factory) -> Seeder:
    return Seeder(session_factory)
