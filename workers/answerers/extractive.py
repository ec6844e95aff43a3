"""The offline answerer: the best-supported sentences of the top passages, quoted and cited."""

from __future__ import annotations

import re

from feedback.prompt_versions import PromptVersion
from guardrails.text import coverage, sentences, term_set
from workers.answerers.base import Citation, Draft
from workers.embeddings import Embedder
from workers.retrieval import Passage

_CODE_LINE = re.compile(r"^\s*(?:[$>#]|\.\.|from |import |def |class |@|[{}\[\]()])")


def _candidate_sentences(passage: Passage) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n", passage.content):
        if _CODE_LINE.match(para) or para.lstrip().startswith(("::", "|", "```")):
            continue
        for s in sentences(para):
            if _is_statement(s):
                out.append(s)
    return out


def _is_statement(s: str) -> bool:
    """A sentence worth quoting: prose of reasonable length, not a title line or a fragment of code."""
    if not 25 <= len(s) <= 600 or sum(ch.isalpha() for ch in s) <= 0.5 * len(s):
        return False
    return s.rstrip("\"')]*`").endswith((".", "!", "?", ":")) and len(s.split()) >= 5


class ExtractiveAnswerer:
    """Scores sentences by the question terms they carry (read under their section title) and, when an
    embedder is available, by meaning too; quotes the best ones verbatim."""

    name = "extractive"

    def __init__(self, embedder: Embedder | None = None, max_sentences_embedded: int = 48) -> None:
        self.embedder = embedder if embedder is not None and embedder.dim else None
        self.max_sentences_embedded = max_sentences_embedded

    def answer(self, question: str, passages: list[Passage], version: PromptVersion) -> Draft:
        params = version.params
        min_support = params.min_sentence_support
        q_terms = term_set(question)
        candidates: list[tuple[int, int, str, Passage]] = []
        for p_rank, passage in enumerate(passages[: params.context_k]):
            for s_idx, sent in enumerate(_candidate_sentences(passage)):
                candidates.append((p_rank, s_idx, sent, passage))
        semantic = self._similarities(question, [c[2] for c in candidates])
        scored: list[tuple[float, int, int, str, Passage]] = []
        for i, (p_rank, s_idx, sent, passage) in enumerate(candidates):
            s_terms = term_set(sent)
            # What the sentence says, read under its section title, against what was asked.
            support = coverage(q_terms, s_terms | term_set(passage.section_title))
            if support < min_support:
                continue  # says too little of what was asked, however similar it sounds
            lexical = 0.6 * support + 0.4 * coverage(q_terms, s_terms)
            score = lexical if semantic is None else 0.5 * lexical + 0.5 * semantic[i]
            scored.append((score - 0.03 * p_rank, p_rank, s_idx, sent, passage))
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        if not scored or scored[0][0] < min_support:
            return Draft(answer="", can_answer=False, decline_reason="no_supported_sentence")
        best = scored[0]
        chosen = [best]
        covered = term_set(best[3])
        for cand in scored[1:]:
            if len(chosen) >= params.max_answer_sentences:
                break
            new_terms = (term_set(cand[3]) & q_terms) - covered
            # Stay with the best passage unless another adds something the question asked about.
            if cand[0] >= max(min_support, 0.75 * best[0]) and (cand[4] is best[4] or new_terms):
                chosen.append(cand)
                covered |= term_set(cand[3])
        chosen.sort(key=lambda t: (t[1], t[2]))  # document order reads naturally
        return Draft(
            answer=" ".join(t[3] for t in chosen),
            citations=[Citation(passage.chunk_id, sent) for _, _, _, sent, passage in chosen],
        )

    def _similarities(self, question: str, texts: list[str]) -> list[float] | None:
        if self.embedder is None or not texts:
            return None
        head = texts[: self.max_sentences_embedded]  # passages come best first; cap the CPU spent
        vectors = self.embedder.embed([question, *head])
        sims = [max(0.0, float(v)) for v in vectors[1:] @ vectors[0]]
        return sims + [0.0] * (len(texts) - len(head))
