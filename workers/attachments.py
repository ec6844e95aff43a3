"""Text files and snippets attached to a Slack question, read by the worker (never by the listener).

The request keeps only Slack's file ids. Here, for each: `files.info` says what it is; a text file or snippet
within the size limit is downloaded from `url_private` with the bot token, cut to the line cap and redacted exactly
like the question (PII and secrets: `PiiGuard.redact`). Only its salient terms — taken from the redacted text —
leave this module, joined (bounded) to the retrieval query; the content is never stored, logged or sent to a
model. A file that is not read says why (too large, not text, download failed), for the user to be told.
"""

from __future__ import annotations

import logging
import math
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from guardrails.pii import PiiGuard, PiiVerdict
from guardrails.text import STOPWORDS, _stem, question_length, words
from workers.kb.parsing import UnreadableDocument, decode

log = logging.getLogger(__name__)

# What counts as text: a snippet always; otherwise a text/* type, these application types, or these filetypes.
TEXT_MIMETYPES = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/javascript",
        "application/x-sh",
        "application/sql",
        "application/toml",
        "application/csv",
    }
)
TEXT_FILETYPES = frozenset(
    {
        "text",
        "markdown",
        "post",
        "csv",
        "tsv",
        "json",
        "yaml",
        "xml",
        "log",
        "python",
        "javascript",
        "typescript",
        "shell",
        "bash",
        "sql",
        "go",
        "java",
        "kotlin",
        "ruby",
        "rust",
        "c",
        "cpp",
        "csharp",
        "php",
        "diff",
        "toml",
        "ini",
        "dockerfile",
        "terraform",
    }
)
# Words that are everywhere in logs and code and say nothing about the topic.
NOISE = frozenset(
    [
        "info",
        "debug",
        "warn",
        "warning",
        "trace",
        "true",
        "false",
        "null",
        "none",
        "nil",
        "self",
        "this",
        "def",
        "return",
        "import",
        "print",
        "var",
        "let",
        "const",
        "function",
        "class",
        "public",
        "private",
        "static",
        "void",
        "new",
        "end",
        "int",
        "str",
        "string",
        "http",
        "https",
        "www",
        "com",
        "org",
        "json",
        "line",
        "lines",
    ]
)
_TERM = re.compile(r"[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*")
DOWNLOAD_TIMEOUT_S = 10  # each read
# The whole download: the per-read timeout alone let a host that drips a byte every few seconds hold the worker
# answering the question for days.
DOWNLOAD_DEADLINE_S = 30
Reason = Literal["too_large", "not_text", "download_failed", "unavailable"]


@dataclass(frozen=True)
class ReadFile:
    """A file that was read: its redacted name, what redaction found, the terms taken and how much was read."""

    file_id: str
    name: str  # redacted, for telling the user
    terms: tuple[str, ...]
    pii: PiiVerdict
    lines_read: int
    lines_total: int

    @property
    def truncated(self) -> bool:
        return self.lines_read < self.lines_total


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not read, and why (`detail`: the size, the type or the error, for the user)."""

    file_id: str
    name: str  # redacted; "" when Slack did not say (files.info failed)
    reason: Reason
    detail: str


@dataclass(frozen=True)
class Attachments:
    read: tuple[ReadFile, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    max_bytes: int = 100_000
    terms: tuple[str, ...] = field(default=())

    def query(self, question: str, max_chars: int) -> str:
        """The question followed by the files' salient terms it does not already say, as many as fit in
        `max_chars` (measured like the question limit: placeholders count one)."""
        have = {_stem(w.lower()) for w in words(question)}
        extra = [t for t in self.terms if _stem(t.lower()) not in have]
        while extra:
            candidate = f"{question.rstrip()} ({' '.join(extra)})"
            if question_length(candidate) <= max_chars:
                return candidate
            extra.pop()
        return question


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100_000
    max_lines: int = 2000
    max_terms: int = 12


class DownloadFailed(Exception):
    """The file's bytes could not be fetched (the message is for the user: an HTTP status or 'timed out')."""


def read_attachments(
    client: WebClient, token: str | None, file_ids: Sequence[str], guard: PiiGuard, limits: Limits
) -> Attachments:
    """Read every attached file that can be read; never raises (a file that fails is a SkippedFile)."""
    read: list[ReadFile] = []
    skipped: list[SkippedFile] = []
    for file_id in file_ids:
        try:
            outcome = _read_one(client, token, file_id, guard, limits)
        except Exception as exc:  # one odd file never costs the answer
            log.warning("attachment %s not read: %s", file_id, type(exc).__name__)
            outcome = SkippedFile(file_id, "", "download_failed", type(exc).__name__)
        (read if isinstance(outcome, ReadFile) else skipped).append(outcome)
    terms: list[str] = []
    for f in read:  # each file's terms in turn, so one long file does not crowd out the others
        for t in f.terms:
            if t not in terms and len(terms) < limits.max_terms:
                terms.append(t)
    return Attachments(tuple(read), tuple(skipped), limits.max_bytes, tuple(terms))


def is_text(file: dict) -> bool:
    mimetype = str(file.get("mimetype") or "").split(";")[0].strip().lower()
    return (
        file.get("mode") == "snippet"
        or mimetype.startswith("text/")
        or mimetype in TEXT_MIMETYPES
        or str(file.get("filetype") or "").lower() in TEXT_FILETYPES
    )


def _read_one(client: WebClient, token: str | None, file_id: str, guard: PiiGuard, limits: Limits):
    try:
        file = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        log.info("attachment %s: files.info %s", file_id, error)
        return SkippedFile(file_id, "", "unavailable", error)
    name = guard.redact(str(file.get("name") or file.get("title") or file_id)).text
    size = int(file.get("size") or 0)
    if not is_text(file):
        return SkippedFile(file_id, name, "not_text", str(file.get("mimetype") or file.get("filetype") or "unknown"))
    if size > limits.max_bytes:
        return SkippedFile(file_id, name, "too_large", f"{size}")
    url = str(file.get("url_private_download") or file.get("url_private") or "")
    try:
        data, content_type = download(url, token, limits.max_bytes, trusted_host=urlsplit(client.base_url).netloc)
    except DownloadFailed as exc:
        log.info("attachment %s: download failed (%s)", file_id, exc)
        return SkippedFile(file_id, name, "download_failed", str(exc))
    if len(data) > limits.max_bytes:  # files.info understated it: only max_bytes + 1 were read
        return SkippedFile(file_id, name, "too_large", "")
    if content_type == "text/html" and str(file.get("filetype")) != "html":
        return SkippedFile(file_id, name, "download_failed", "Slack answered with a sign-in page")
    text = _decoded(data)
    if text is None:
        return SkippedFile(file_id, name, "not_text", str(file.get("mimetype") or "binary"))
    lines = text.splitlines()
    kept = "\n".join(lines[: limits.max_lines])
    redaction = guard.redact(kept)
    return ReadFile(
        file_id,
        name,
        salient_terms(redaction.text, limits.max_terms),
        redaction.verdict(),
        min(len(lines), limits.max_lines),
        len(lines),
    )


def _decoded(data: bytes) -> str | None:
    """The text of the bytes, or None when they are not text: decoded exactly as a document is ingested
    (workers.kb.parsing.decode: UTF-8, or UTF-16 with a BOM; a NUL byte anywhere, or too many control characters,
    is binary), so a file that is a document when ingested is one when attached. An empty file is empty text."""
    if not data.strip():
        return ""
    try:
        return decode(data, "attachment")
    except UnreadableDocument:
        return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following one would send the bot token wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirected", headers, fp)


def download(url: str, token: str | None, max_bytes: int, *, trusted_host: str) -> tuple[bytes, str]:
    """(at most max_bytes + 1 bytes, content type) of a Slack file's url_private, with the bot token. Only from
    Slack's file host or the configured Slack API's host: the token never goes anywhere else."""
    parts = urlsplit(url)
    slack_host = parts.scheme == "https" and (parts.hostname or "").endswith(".slack.com")
    if not (slack_host or (parts.netloc and parts.netloc == trusted_host)):
        raise DownloadFailed("not a Slack file address")
    if not token:
        raise DownloadFailed("no bot token")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=DOWNLOAD_TIMEOUT_S) as resp:
            deadline = time.monotonic() + DOWNLOAD_DEADLINE_S
            data = bytearray()
            while len(data) <= max_bytes:
                if time.monotonic() > deadline:
                    raise DownloadFailed("timed out")
                chunk = resp.read1(min(65_536, max_bytes + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
            return bytes(data), resp.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raise DownloadFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadFailed(type(getattr(exc, "reason", exc)).__name__) from None


def salient_terms(text: str, max_terms: int) -> tuple[str, ...]:
    """The file's salient content words, as written: frequent in the file but not on every line — each line is a
    document, a term scores (1 + log tf) × log(1 + lines / lines with it), so a log's boilerplate (on
    every request line) ranks below the words of its few telling lines; first seen first among equals. Stopwords,
    log and code noise, numbers, ids and token-like strings are left out; redaction placeholders are never terms."""
    tf: Counter[str] = Counter()
    df: Counter[str] = Counter()
    first: dict[str, int] = {}
    form: dict[str, str] = {}
    position = 0
    lines = text.splitlines() or [text]
    for line in lines:
        seen: set[str] = set()
        for raw in words(line):
            position += 1
            w = raw.strip("'+#.-_").lower()
            if not _usable(w):
                continue
            stem = _stem(w)
            tf[stem] += 1
            first.setdefault(stem, position)
            form.setdefault(stem, w)
            if stem not in seen:
                seen.add(stem)
                df[stem] += 1
    n = len(lines)
    score = {t: (1 + math.log(tf[t])) * math.log(1 + n / df[t]) for t in tf}
    ranked = sorted(tf, key=lambda t: (-round(score[t], 9), first[t]))
    return tuple(form[t] for t in ranked[:max_terms])


def _usable(word: str) -> bool:
    if len(word) < 3 or len(word) > 24 or word in STOPWORDS or word in NOISE:
        return False
    if not _TERM.fullmatch(word):  # a word, or a compound of words (escalation_timeout, on-call)
        return False
    digits = sum(c.isdigit() for c in word)
    # numbers, versions, hashes and key-like strings are not topics (and a missed secret must never become a term)
    return digits == 0 or (digits <= 2 and len(word) <= 6)
