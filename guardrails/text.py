"""Shared text analysis: content terms (stemmed, stopwords removed) and sentence splitting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# A compact English stopword list (function words and question scaffolding).
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "use",
        "using",
        "used",
        "want",
        "need",
        "get",
        "got",
        "tell",
        "please",
        "know",
        "let",
        "make",
        "way",
        "thing",
        "things",
        "something",
        "anyone",
        "someone",
        "via",
        "per",
        "etc",
        "e",
        "g",
        "ie",
        "eg",
    ]
)

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'+#.-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]+>")  # what redaction leaves in place of a value: <EMAIL_ADDRESS>
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(PLACEHOLDER.sub(" ", text))]


def content_terms(text: str) -> list[str]:
    """Stemmed content words in order (stopwords and redaction placeholders removed)."""
    out = []
    for w in words(text):
        w = w.strip("'.-")
        if not w or w in STOPWORDS or (len(w) == 1 and not w.isdigit()):
            continue
        out.append(_stem(w))
    return out


def term_set(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))


def dice(a_terms: frozenset[str], b_terms: frozenset[str]) -> float:
    """Dice overlap of two term sets (0 when either is empty): how much two short texts say the same."""
    if not a_terms or not b_terms:
        return 0.0
    return 2 * len(a_terms & b_terms) / (len(a_terms) + len(b_terms))


def coverage(query_terms: frozenset[str], passage_terms: frozenset[str]) -> float:
    """Share of the query's content terms that the passage contains (0 when the query has none)."""
    if not query_terms:
        return 0.0
    return len(query_terms & passage_terms) / len(query_terms)


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9`*])|\n\s*\n|\n(?=\s*[-*•]\s)")
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|Dr|Mr|Mrs|Ms|No|Fig)\.$", re.IGNORECASE)
_ABBREV_TAIL = 7  # longer than any abbreviation above with its dot and two characters before it (for \b)


def sentences(text: str) -> list[str]:
    """Split prose into sentences; list items and paragraphs end a sentence too.

    Linear in the text: a sentence held open by an abbreviation ("Mr. ", "e.g. ") is kept as pieces, and only
    the end of each piece is tested (testing the whole growing sentence made "Mr. " * 8000 take 12 s)."""
    parts: list[str] = []
    held: list[str] = []  # pieces of a sentence an abbreviation kept open
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[pos : m.start()].strip()
        pos = m.end()
        if piece:
            held.append(piece)
        if held and _ABBREV.search(held[-1][-_ABBREV_TAIL:]):
            continue
        if held:
            parts.append(" ".join(held))
        held = []
    tail = text[pos:].strip()
    if tail:
        held.append(tail)
    if held:
        parts.append(" ".join(held))
    return [" ".join(p.split()) for p in parts if p.strip()]


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def without_placeholders(text: str) -> str:
    """The text with redaction placeholders removed and whitespace collapsed: placeholders are not search terms."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())


@dataclass(frozen=True)
class QuestionProblem:
    message: str
    hint: str


def question_length(text: str) -> int:
    """Length of a question as the person typed it: a redaction placeholder counts as one character.

    A placeholder is often longer than the value it replaced (`<EMAIL_ADDRESS>` for `a@b.io`), so measuring
    redacted text naively would refuse in the worker a question the bot had accepted. Counted this way the
    redacted text is never longer than the original, and one limit holds on both sides of redaction.
    """
    return len(PLACEHOLDER.sub("·", text.strip()))


def question_problem(text: str | None, max_chars: int) -> QuestionProblem | None:
    """Why a question can't be taken (empty or too long), or None: the one rule for the bot, CLI and workers."""
    if text is None or not text.strip():
        return QuestionProblem("The question is empty.", 'Ask something, e.g. "How do I deploy to staging?".')
    n = question_length(text)
    if n > max_chars:
        return QuestionProblem(
            f"The question is {n:,} characters long; the limit is {max_chars:,}.",
            "Ask about one thing at a time and leave out pasted logs (or raise ANSWERLOOP_MAX_QUESTION_CHARS).",
        )
    return None


def question_similarity(a: str, b: str) -> float:
    """Dice overlap of the two questions' content terms (without embeddings: few-shot demos, verified answers)."""
    return dice(term_set(a), term_set(b))
