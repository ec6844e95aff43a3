"""Attached files are decoded like documents are ingested (workers.kb.parsing.decode): a UTF-16 file with a BOM
is read, and a file that is binary anywhere within the size limit — not only in its first 8 KiB — is not. Through
the Slack stand-in (files.info and url_private with the bot token), no mocks."""

from __future__ import annotations

import pytest

from slack_standin import GENERAL, SlackStandin
from workers.attachments import Limits, read_attachments
from workers.kb.parsing import UnreadableDocument, decode

TEXT = "Deploy freeze in effect: the escalation runbook says page the platform lead.\n" * 3


@pytest.fixture(scope="module")
def slack():
    with SlackStandin() as s:
        yield s


def _read(slack, pii_guard, name: str, data: bytes, **kw):
    file = slack.add_file(name, data, **kw)
    slack.post_message(GENERAL, "see the attached file", files=[file])  # shared where the bot can see it
    client = slack.web_client(token=slack.bot_token)
    return read_attachments(client, slack.bot_token, [file.id], pii_guard, Limits())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_with_a_bom_is_read(slack, pii_guard, encoding):
    data = TEXT.encode(encoding)
    if encoding != "utf-16":  # the codec without a byte order writes no BOM: add the one it would have
        data = ("\ufeff" + TEXT).encode(encoding)
    out = _read(slack, pii_guard, "runbook.txt", data, mimetype="text/plain")
    assert not out.skipped, out.skipped
    [read] = out.read
    assert "escalation" in read.terms and "runbook" in read.terms, read.terms
    assert read.lines_total == 3


def test_a_binary_file_with_text_up_front_is_not_text(slack, pii_guard):
    data = (TEXT * 200).encode()[:9000] + bytes(range(128)) * 4  # valid UTF-8, with NUL bytes after 8 KiB
    assert len(data) < Limits().max_bytes
    out = _read(slack, pii_guard, "export.log", data, mimetype="text/plain")
    assert not out.read, "a file with NUL bytes past 8 KiB was read as text"
    [skipped] = out.skipped
    assert skipped.reason == "not_text"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-16"),
        ("\ufeff" + TEXT).encode("utf-8"),
        TEXT.encode(),
        TEXT.encode("utf-16-le"),  # no BOM: every other byte NUL
        TEXT.encode("latin-1") + "café".encode("latin-1"),
        TEXT.encode() + b"\x00" + TEXT.encode(),
        (TEXT * 150).encode() + b"\x00",
        TEXT.encode() + b"\x01\x02\x03\x04\x05\x06\x07\x08" * 20,
    ],
    ids=["utf16-bom", "utf8-bom", "utf8", "utf16-no-bom", "latin1", "nul-early", "nul-late", "controls"],
)
def test_an_attachment_is_text_exactly_when_ingest_would_take_it(slack, pii_guard, data):
    try:
        decode(data, "f.txt")
        ingest_reads = True
    except UnreadableDocument:
        ingest_reads = False
    out = _read(slack, pii_guard, "f.txt", data, mimetype="text/plain")
    assert bool(out.read) == ingest_reads, (out.read, out.skipped)
    assert all(s.reason == "not_text" for s in out.skipped)
