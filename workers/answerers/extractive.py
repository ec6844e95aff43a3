"""The offline answerer: the best-supported sentences of the passage that best answers, quoted and cited.

It answers from one passage: the one holding the best sentence, where a sentence from a lower-ranked passage
must be clearly better than one from a higher-ranked passage. Sentences and their embeddings come from ingest
(`chunk_sentences`) and retrieval has already scored them against the question vector, so answering embeds
nothing; passages stored before sentences were (and verified answers) are split and embedded here as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.prompt_versions import PromptVersion
from guardrails.followup import Turn
from guardrails.text import coverage, term_set
from workers.answerers.base import Citation, Draft
from workers.embeddings import Embedder
from workers.kb.sentences import quotable_sentences
from workers.retrieval import Passage


@dataclass(frozen=True)
class _Scored:
    score: float
    index: int
    text: str


class ExtractiveAnswerer:
    """Scores sentences by the question terms they carry (read under their section title) and by meaning;
    quotes the best ones of the best passage verbatim."""

    name = "extractive"

    def __init__(self, embedder: Embedder | None = None, max_sentences_embedded: int = 48) -> None:
        self.embedder = embedder if embedder is not None and embedder.dim else None
        self.max_sentences_embedded = max_sentences_embedded

    def answer(
        self, question: str, passages: list[Passage], version: PromptVersion, conversation: Sequence[Turn] = ()
    ) -> Draft:
        # The conversation is not read here: a follow-up arrives as its standalone question (guardrails/followup).
        params = version.params
        # Behind the calibrated gate the documents were judged to answer: a sentence needs half the support
        # it needs behind the bare relevance gate, where this is the only check that the passage is on topic.
        min_support = params.min_sentence_support * (0.5 if params.gate == "calibrated" else 1.0)
        q_terms = term_set(question)
        # The answering passage: the best sentence, a little handicapped by its passage's retrieval rank.
        best_passage, scored = None, []
        best_value = -1.0
        for rank, passage in enumerate(passages[: params.context_k]):
            candidates = self._score(question, q_terms, passage)
            if candidates and candidates[0].score >= min_support:
                value = candidates[0].score - params.answer_rank_penalty * rank
                if value > best_value:
                    best_passage, scored, best_value = passage, candidates, value
        if best_passage is None:
            return Draft(answer="", can_answer=False, decline_reason="no_supported_sentence")
        best = scored[0]
        chosen = [best]
        for cand in scored[1:]:
            if len(chosen) >= params.max_answer_sentences:
                break
            if cand.score >= max(min_support, 0.75 * best.score):
                chosen.append(cand)
        chosen.sort(key=lambda s: s.index)  # document order reads naturally
        return Draft(
            answer=" ".join(s.text for s in chosen),
            citations=[Citation(best_passage.chunk_id, s.text) for s in chosen],
        )

    def _score(self, question: str, q_terms: frozenset[str], passage: Passage) -> list[_Scored]:
        stored = bool(passage.sentences)
        texts = passage.sentences if stored else quotable_sentences(passage.content)
        if not texts:
            return []
        if stored and all(c is not None for c in passage.sentence_cosines):
            semantic: list[float] | None = [max(0.0, float(c)) for c in passage.sentence_cosines]  # type: ignore[arg-type]
        else:
            semantic = self._similarities(question, texts)
        title_terms = term_set(passage.section_title)
        out = []
        for i, text in enumerate(texts):
            s_terms = term_set(text)
            support = coverage(q_terms, s_terms | title_terms)
            lexical = 0.6 * support + 0.4 * coverage(q_terms, s_terms)
            score = lexical if semantic is None else 0.5 * lexical + 0.5 * semantic[i]
            out.append(_Scored(score, i, text))
        out.sort(key=lambda s: (-s.score, s.index))
        return out

    def _similarities(self, question: str, texts: list[str]) -> list[float] | None:
        if self.embedder is None or not texts:
            return None
        head = texts[: self.max_sentences_embedded]
        vectors = self.embedder.embed([question, *head])
        sims = [max(0.0, float(v)) for v in vectors[1:] @ vectors[0]]
        return sims + [0.0] * (len(texts) - len(head))
