"""What the user is told about their attached files: read (and what was removed), or plainly not read and why."""

from __future__ import annotations

from workers.attachments import Attachments, ReadFile, SkippedFile
from workers.slack.blocks import attachment_notes

PII = {"found": True, "entities": {"AWS_ACCESS_KEY": 1, "EMAIL_ADDRESS": 1}, "secrets": True, "ner": "not configured"}
CLEAN = {"found": False, "entities": {}, "secrets": False, "ner": "not configured"}


def test_every_file_gets_a_plain_sentence():
    files = Attachments(
        read=(
            ReadFile("F1", "deploy.log", ("freeze",), PII, 2000, 5321),  # type: ignore[arg-type]
            ReadFile("F2", "<EMAIL_ADDRESS>-notes.md", ("hotel",), CLEAN, 3, 3),  # type: ignore[arg-type]
        ),
        skipped=(
            SkippedFile("F3", "huge.csv", "too_large", "260000"),
            SkippedFile("F4", "grown.txt", "too_large", ""),
            SkippedFile("F5", "shot.png", "not_text", "image/png"),
            SkippedFile("F6", "a.txt", "download_failed", "HTTP 503"),
            SkippedFile("F7", "", "unavailable", "file_deleted"),
        ),
        max_bytes=100_000,
    )
    notes = attachment_notes(files)
    assert notes[0] == (
        ":page_facing_up: I read `deploy.log` (the first 2,000 of 5,321 lines) and searched with its key terms too."
    )
    assert notes[1].startswith(":lock: I removed an AWS access key, an email address from `deploy.log`")
    assert "rotate it now" in notes[1]
    assert notes[2] == ":page_facing_up: I read `&lt;EMAIL_ADDRESS&gt;-notes.md` and searched with its key terms too."
    said = "\n".join(notes[3:])
    assert "I did not read `huge.csv`: it is 260 kB, and I read text files up to 100 kB." in said
    assert "I did not read `grown.txt`: it is larger than the 100 kB I read of a text file." in said
    assert "I did not read `shot.png`: it is not a text file (image/png)" in said
    assert "I did not read `a.txt`: I could not download it from Slack (HTTP 503)." in said
    assert "I did not read an attached file: Slack would not give it to me (file_deleted)." in said
    assert all(n.endswith("This answer is from your message alone.") for n in notes[3:])
    assert attachment_notes(None) == [] and attachment_notes(Attachments()) == []
