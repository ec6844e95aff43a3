"""What an attached file contributes to the retrieval query: its salient terms, bounded, never a token or a
redaction placeholder; and which Slack files count as text."""

from __future__ import annotations

from workers.attachments import Attachments, is_text, salient_terms

LOG = """2026-12-01T10:00:01Z INFO paging the primary for alert db-latency
2026-12-01T10:05:01Z WARN page not acknowledged, escalation_timeout reached
2026-12-01T10:05:02Z INFO paging the secondary, key <AWS_ACCESS_KEY>, reply to <EMAIL_ADDRESS>
2026-12-01T10:05:02Z INFO escalation to the secondary sent; session a81f9c0d2e77b1aa
"""


def test_salient_terms_are_the_frequent_topic_words_not_noise_ids_or_placeholders():
    terms = salient_terms(LOG, 8)
    assert "secondary" in terms and "primary" in terms
    assert "escalation_timeout" in terms and "db-latency" in terms, "compounds kept whole"
    assert len(terms) == 8
    for bad in ("info", "warn", "aws_access_key", "email_address", "a81f9c0d2e77b1aa", "2026-12-01t10"):
        assert bad not in terms
    assert salient_terms("AKIAZ7QX4KJ2M9TBW3PL ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 12345", 5) == ()


def test_a_logs_boilerplate_ranks_below_the_words_of_its_few_telling_lines():
    boilerplate = ["GET /orders served status ok upstream cache"] * 400
    log = "\n".join(boilerplate + ["pager escalation to secondary failed"] * 3)
    terms = salient_terms(log, 4)
    assert set(terms) == {"pager", "escalation", "secondary", "failed"}


def test_the_query_gets_the_terms_it_lacks_within_the_question_limit():
    files = Attachments(terms=("paging", "secondary", "escalation", "timeout"))
    assert files.query("Why is paging slow?", 4000) == "Why is paging slow? (secondary escalation timeout)"
    bounded = files.query("x" * 30, 45)
    assert bounded == "x" * 30 + " (paging)" and len(bounded) <= 45
    assert files.query("y" * 45, 45) == "y" * 45, "no room: the question alone"


def test_text_files_and_snippets_count_as_text_images_and_archives_do_not():
    assert is_text({"mode": "snippet", "mimetype": "application/octet-stream"})
    assert is_text({"mimetype": "text/csv"}) and is_text({"mimetype": "application/json; charset=utf-8"})
    assert is_text({"mimetype": "application/octet-stream", "filetype": "python"})
    assert not is_text({"mimetype": "image/png", "filetype": "png"})
    assert not is_text({"mimetype": "application/zip", "filetype": "zip"})
