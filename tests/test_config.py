"""Settings: DESIGN's names, fail-fast validation, a generated secret, and nothing undocumented."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_are_the_embedded_sqlite_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'data' / 'academichub.db'}"


def test_postgres_urls_use_psycopg3():
    settings = Settings(_env_file=None, database_url="postgresql://u@h/db")
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


def test_secret_key_is_generated_once_into_the_data_folder(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    key = settings.resolved_secret_key()
    assert len(key) >= 32 and Settings(data_dir=tmp_path).resolved_secret_key() == key
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_environment_prefix_and_openai_alias(monkeypatch):
    monkeypatch.setenv("ACADEMICHUB_POLL_INTERVAL_MINUTES", "15")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = Settings(_env_file=None)
    assert settings.poll_interval_minutes == 15 and settings.llm_api_key == "sk-test"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("secret_key", "short"),
        ("poll_interval_minutes", "0"),
        ("llm_price_per_mtokens", "cheap"),
        ("signup_open", "perhaps"),
        ("public_url", "radar.example.org"),
    ],
)
def test_bad_values_fail_fast(name, value):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **{name: value})


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text()
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert missing == []
