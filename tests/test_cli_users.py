"""`academichub users`: add (password from stdin), token, list, remove; clear errors."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient

from app.config import Settings
from app.web import create_app
from tests.support.accounts import log_in
from tests.support.cli import run_cli


def _users(args, db_url, monkeypatch, capsys, tmp_path, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run_cli(["users", *args], db_url, monkeypatch, capsys, tmp_path)


def test_add_list_token_and_remove(db_url, monkeypatch, capsys, tmp_path):
    run = lambda args, stdin="": _users(args, db_url, monkeypatch, capsys, tmp_path, stdin)  # noqa: E731
    status, _, err = run(["add", "Ada@Example.org", "--password-stdin"], "correct horse battery\n")
    assert status == 0 and "ada@example.org (admin)" in err
    status, _, err = run(["add", "bob@example.org", "--password-stdin"], "another good one\n")
    assert status == 0 and "(user)" in err
    status, out, _ = run(["list", "--json"])
    listed = json.loads(out)
    assert [(u["email"], u["admin"]) for u in listed] == [
        ("ada@example.org", True),
        ("bob@example.org", False),
    ]
    status, out, _ = run(["token", "bob@example.org"])
    secret = out.strip()
    assert status == 0 and secret.startswith("ahp_") and len(secret) > 40
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path))
    with TestClient(app) as client:
        mine = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
        assert mine.status_code == 200
        assert log_in(client, "ada@example.org", "correct horse battery").status_code == 303
    status, _, err = run(["remove", "bob@example.org"])
    assert status == 0
    with TestClient(create_app(Settings(database_url=db_url, data_dir=tmp_path))) as client:
        gone = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
        assert gone.status_code == 401


def test_errors_are_one_clear_line(db_url, monkeypatch, capsys, tmp_path):
    run = lambda args, stdin="": _users(args, db_url, monkeypatch, capsys, tmp_path, stdin)  # noqa: E731
    status, _, err = run(["add", "ada@example.org", "--password-stdin"], "short\n")
    assert status == 1 and err.strip() == "error: the password must have at least 8 characters"
    run(["add", "ada@example.org", "--password-stdin"], "correct horse battery\n")
    status, _, err = run(["add", "ada@example.org", "--password-stdin"], "correct horse battery\n")
    assert status == 1 and "already exists" in err
    status, _, err = run(["add", "ada@example.org"])  # no terminal to prompt on
    assert status == 1 and "--password-stdin" in err
    status, _, err = run(["token", "nobody@example.org"])
    assert status == 1 and err.strip() == "error: no account for 'nobody@example.org'"
    status, _, err = run(["remove", "nobody@example.org"])
    assert status == 1
