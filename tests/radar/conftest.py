"""Fixtures of the radar's tests: papers stored through the real store, people as rows."""

from __future__ import annotations

import pytest

from tests.curation.seeding import Seeder


@pytest.fixture
def seeder(session_factory) -> Seeder:
    return Seeder(session_factory)
