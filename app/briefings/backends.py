"""Which briefing backend serves: the names, and DESIGN's default. Below the worker, so the web
(which never runs a backend) can choose one for a request too."""

from __future__ import annotations

from app.config import Settings

BACKENDS = ("offline", "llm")


def llm_configured(settings: Settings) -> bool:
    """An LLM backend needs at least a server and a model."""
    return bool(settings.llm_base_url and settings.llm_model)


def default_backend(settings: Settings) -> str:
    """DESIGN: the LLM when one is configured, else the offline briefer."""
    return "llm" if llm_configured(settings) else "offline"
