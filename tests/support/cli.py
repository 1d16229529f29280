"""Run the `academichub` command in-process against a test database."""

from __future__ import annotations


def run_cli(args, db_url, monkeypatch, capsys, tmp_path) -> tuple[int, str, str]:
    """`academichub ARGS` on `db_url` with its data folder in `tmp_path`: (status, out, err).

    The settings cache is cleared around every test (tests/conftest.py), so the environment set
    here is what the command reads.
    """
    from app.cli import main

    monkeypatch.setenv("ACADEMICHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("ACADEMICHUB_DATA_DIR", str(tmp_path))
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err
