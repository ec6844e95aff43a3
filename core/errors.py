"""User-facing errors: each says what went wrong and how to fix it."""

from __future__ import annotations


class AnswerloopError(Exception):
    """Base for errors shown to a user as a clear message instead of a traceback."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def describe(self) -> str:
        return f"{self}\n  → {self.hint}" if self.hint else str(self)


class ConfigError(AnswerloopError):
    pass


class DatabaseUnavailable(AnswerloopError):
    hint = "Check DATABASE_URL and that Postgres is running (or unset DATABASE_URL to use the embedded one)."


class InvalidQuestion(AnswerloopError):
    pass


class NotFound(AnswerloopError):
    pass
