"""Fixtures of the delivery tests: the page tests' papers and app client."""

from __future__ import annotations

from tests.web.conftest import client, seeded  # noqa: F401  (shared fixtures)
