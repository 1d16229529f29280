"""Logging setup: fixed messages with stable keys (`source_id=3 status=error`) on stderr."""

from __future__ import annotations

import logging
import sys

# Attributes every LogRecord has; anything else came from `extra=` and is printed as key=value.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class KeyValueFormatter(logging.Formatter):
    """`time LEVEL logger message key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line


def configure_logging(level: int) -> None:
    """Send logs to stderr at `level` (INFO for long-running roles, ERROR for one-shot commands)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler announces every run of every job; keep its start/stop lines, not the chatter.
    logging.getLogger("apscheduler.executors").setLevel(max(level, logging.WARNING))
