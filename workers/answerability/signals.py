"""The evidence an answerability score is made of, read from one retrieval (no extra model call)."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from wordfreq import zipf_frequency

from guardrails.text import STOPWORDS, words
from workers.search.keyword import TermStats
from workers.search.tokens import COMPOUND, question_terms, search_terms

SENTENCE_PASSAGES = 3
# A term the collection has never seen weighs like one that occurs in a single chunk of a large collection.
_MISSING_IDF_FLOOR = 5.0


@dataclass(frozen=True)
class Signals:
    cosine_top: float  # best vector cosine of the question to a chunk (0 without embeddings)
    cosine_gap: float  # best minus fifth-best cosine: one passage standing out, not a flat field
    keyword_top: float  # best BM25 score as a share of what a chunk holding every question term would score
    missing_share: float  # share of the question's term weight (idf) in terms found nowhere in the collection
    top_coverage: float  # idf-weighted share of the question's terms in the best fused passage
    agreement: float  # share of the vector top-5 that is also in the keyword top-10
    missing_salience: float  # the most salient question word the collection lacks (0 = none lacks)
    salient_missing_share: float  # share of the question's salience in words the collection lacks
    sentence_top: float  # best cosine of the question to one stored sentence of the top passages
    sentence_coverage: float  # best idf-weighted share of the question's terms in one sentence (+ its heading)

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]

    @staticmethod
    def names() -> list[str]:
        return list(Signals.__dataclass_fields__)


def salience(word: str) -> float:
    """How much a word says about a topic, from its general English frequency: "the", "much" → 0; "week" →
    0.1; "broker" → 0.5; "kubernetes", "pgbouncer" (not in everyday English at all) → 1. Collection idf can't
    tell this for a word the collection has never seen."""
    return min(1.0, max(0.0, (6.0 - zipf_frequency(word, "en")) / 4.0))


_CLITIC = re.compile(r"(?:n't|'(?:s|re|ve|ll|d|m))$")
_HYPHENATED = re.compile(r"[a-z]+(?:-[a-z]+)+")


def base_word(word: str) -> str:
    """The word without an English clitic: "teammate's" → "teammate", "isn't" → "is", "we're" → "we".
    wordfreq knows "teammate" but hardly "teammate's", which would otherwise look as salient as "kubernetes"."""
    return _CLITIC.sub("", word.strip("'.-")).strip("'.-")


def _salient_missing(question: str, stats: TermStats) -> tuple[float, float]:
    present = set(stats.idf)
    total = missing_total = top = 0.0
    for w in dict.fromkeys(words(question)):
        w = base_word(w)
        if len(w) < 2 or w in STOPWORDS:
            continue
        terms = search_terms(w)
        if not terms:
            continue
        sal = salience(w)
        total += sal
        # A compound identifier (`typer.run`, `task_routes`) counts only whole (its first term); a plain word
        # through any of its terms; a hyphenated English word ("hard-coded", "one-letter") when all its parts are
        # there — the documents may spell it "hardcoded" or "hard coded".
        if _HYPHENATED.fullmatch(w):
            found = terms[0] in present or (len(terms) > 1 and all(t in present for t in terms[1:]))
        elif COMPOUND.search(terms[0]):
            found = terms[0] in present
        else:
            found = any(t in present for t in terms)
        if not found:
            missing_total += sal
            top = max(top, sal)
    return top, (missing_total / total if total else 0.0)


def _idf_max(stats: TermStats) -> float:
    return max(_MISSING_IDF_FLOOR, math.log(1 + (stats.chunks + 0.5) / 1.5))


def read_signals(question: str, stats: TermStats, retrieval) -> Signals:  # retrieval: workers.retrieval.Retrieval
    terms = sorted(set(question_terms(question)))
    idf_missing = _idf_max(stats)
    weight = {t: stats.idf.get(t, idf_missing) for t in terms}
    total = sum(weight.values()) or 1.0
    missing = sum(weight[t] for t in stats.missing if t in weight) / total if terms else 1.0
    present_max = sum(stats.idf.values())  # a chunk holding every known term, each very often
    keyword_top = (retrieval.keyword_scores[0] / present_max) if retrieval.keyword_scores and present_max else 0.0
    # Scale by the share of the question the collection can match at all.
    keyword_top *= 1.0 - missing
    cos = sorted(retrieval.vector_scores, reverse=True)
    cosine_top = cos[0] if cos else 0.0
    cosine_gap = cos[0] - cos[min(4, len(cos) - 1)] if cos else 0.0
    top_coverage = 0.0
    if retrieval.passages and terms:
        top = retrieval.passages[0]
        have = set(search_terms(top.section_title + "\n" + top.content))
        top_coverage = sum(weight[t] for t in terms if t in have) / total
    agreement = 0.0
    if retrieval.vector_ids and retrieval.keyword_ids:
        kw = set(retrieval.keyword_ids[:10])
        head = retrieval.vector_ids[:5]
        agreement = sum(1 for c in head if c in kw) / len(head)
    missing_salience, salient_share = _salient_missing(question, stats)
    sentence_top, sentence_cov = _best_sentence(retrieval.passages[:SENTENCE_PASSAGES], terms, weight, total)
    return Signals(
        cosine_top=round(cosine_top, 6),
        cosine_gap=round(cosine_gap, 6),
        keyword_top=round(min(1.0, keyword_top), 6),
        missing_share=round(missing, 6),
        top_coverage=round(top_coverage, 6),
        agreement=round(agreement, 6),
        missing_salience=round(missing_salience, 6),
        salient_missing_share=round(salient_share, 6),
        sentence_top=round(sentence_top, 6),
        sentence_coverage=round(sentence_cov, 6),
    )


def _best_sentence(passages, terms: list[str], weight: dict[str, float], total: float) -> tuple[float, float]:
    """A question the documents answer usually has one sentence that says it; a near miss has a topic match."""
    best_cos = best_cov = 0.0
    for p in passages:
        heading = set(search_terms(p.section_title))
        for text, cos in zip(p.sentences, p.sentence_cosines or [None] * len(p.sentences), strict=False):
            if cos is not None:
                best_cos = max(best_cos, float(cos))
            if terms:
                have = heading | set(search_terms(text))
                best_cov = max(best_cov, sum(weight[t] for t in terms if t in have) / total)
    return best_cos, best_cov
