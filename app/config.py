"""Settings: the only reader of environment variables (prefix ACADEMICHUB_, also `.env`)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every setting of DESIGN's contract, typed and validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="ACADEMICHUB_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str | None = None
    contact_email: str | None = None
    poll_interval_minutes: int = Field(default=60, ge=1)
    briefing_schedule: str = "0 7 * * *"
    llm_base_url: str | None = None
    llm_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("ACADEMICHUB_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_model: str | None = None
    llm_context_tokens: int = Field(default=16000, ge=1000)
    llm_daily_budget_tokens: int = Field(default=2_000_000, ge=0)
    llm_price_per_mtokens: str = "0/0"
    # Not in DESIGN's list: show per-paper TL;DRs on cards, and schedule the job that writes them.
    tldr_on_cards: bool = False
    signup_open: bool = True
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    allow_private_urls: bool = False
    # Not in DESIGN's list: the address people reach this instance at, for the links in e-mail
    # digests and webhooks (which are sent by a worker, outside any request).
    public_url: str = "http://127.0.0.1:8000"
    # Not in DESIGN's list: where gap filling and backfill ask the arXiv API (tests point it at
    # a loopback server; nobody else needs to change it).
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    # Not in DESIGN's list either: where `papers add` looks DOIs up (Crossref's works endpoint).
    crossref_api_url: str = "https://api.crossref.org/works"

    @field_validator("secret_key")
    @classmethod
    def _secret_key_long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or len(value.split("://", 1)[1]) == 0:
            raise ValueError("must be an http:// or https:// URL, e.g. https://radar.example.org")
        return value.rstrip("/")

    @field_validator("llm_price_per_mtokens")
    @classmethod
    def _price_pair(cls, value: str) -> str:
        parts = value.split("/")
        if len(parts) != 2:
            raise ValueError("must be INPUT/OUTPUT dollars per million tokens, e.g. 0.15/0.60")
        for part in parts:
            float(part)
        return value

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file inside the data folder."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'academichub.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated into the data folder on first use."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @property
    def user_agent(self) -> str:
        """User-Agent naming the product and, when set, a contact address (arXiv asks for one)."""
        from app import __version__

        contact = f"; mailto:{self.contact_email}" if self.contact_email else ""
        return f"AcademicHub/{__version__} (self-hosted research radar{contact})"


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
