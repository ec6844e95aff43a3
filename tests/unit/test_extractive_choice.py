"""Which passage the offline answerer quotes: the best sentence, handicapped by its passage's retrieval rank."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.prompt_versions import AnsweringParams, PromptVersion
from workers.answerers.extractive import ExtractiveAnswerer
from workers.retrieval import Passage

pytestmark = pytest.mark.unit


def _passage(chunk_id: int, sentence: str, cosine: float) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        document_id=chunk_id,
        document_title=f"Doc {chunk_id}",
        source_path=f"doc{chunk_id}.md",
        section_title="Retries",
        heading_path=["Retries"],
        link=f"https://docs.example/doc{chunk_id}",
        content=sentence,
        collection="eng",
        sentences=[sentence],
        sentence_cosines=[cosine],
    )


def _version(penalty: float) -> PromptVersion:
    params = AnsweringParams(answer_rank_penalty=penalty)
    return PromptVersion(id=1, instructions="", params=params, author="test", created_at=datetime.now(UTC))


QUESTION = "How many times is a failed task retried?"
# The second passage's sentence is a little closer in meaning (0.1 of cosine → 0.05 of score).
PASSAGES = [
    _passage(1, "A failed task is retried three times by default.", 0.60),
    _passage(2, "A failed task is retried three times unless max_retries says otherwise.", 0.70),
]


def test_a_slightly_better_sentence_lower_down_does_not_displace_the_top_passage():
    draft = ExtractiveAnswerer().answer(QUESTION, PASSAGES, _version(0.3))
    assert draft.can_answer
    assert {c.chunk_id for c in draft.citations} == {1}


def test_without_the_rank_handicap_the_best_sentence_wins_wherever_it_is():
    draft = ExtractiveAnswerer().answer(QUESTION, PASSAGES, _version(0.0))
    assert {c.chunk_id for c in draft.citations} == {2}


def test_a_much_better_sentence_lower_down_still_wins():
    passages = [_passage(1, "Workers can run on several hosts.", 0.2), PASSAGES[1]]
    draft = ExtractiveAnswerer().answer(QUESTION, passages, _version(0.3))
    assert {c.chunk_id for c in draft.citations} == {2}
