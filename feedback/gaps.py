"""Coverage gaps: what people asked that the documents did not answer, grouped into topics.

The evidence is recent "I don't know" answers and answers someone voted 👎. Questions are grouped by meaning
(average-linkage clustering of their vectors, or of their content terms without embeddings) so that ten ways
of asking about the parental leave policy are one gap, not ten; each group is named by its most typical question
(the one closest to all the others). What a team reads from it: which document to write next.

Only redacted question text is read; nothing here changes state.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from core.db import Conn
from guardrails.text import dice, term_set, without_placeholders

# Vectors of questions, one row each, unit-normalised; or None to group by content terms only.
EmbedQuestions = Callable[[list[str]], np.ndarray | None]

_EVIDENCE_SQL = """
SELECT i.id, i.created_at, i.question_redacted, i.status, i.collections, i.closest, i.citations,
       coalesce(r.user_id, '') AS user_id, coalesce(r.channel_id, '') AS channel_id,
       coalesce(r.kind, '') AS request_kind,
       coalesce(r.kind = 'command' AND (r.reply_mode = 'ephemeral' OR r.delivery = 'response_url'), false)
         AS asker_only,
       EXISTS (SELECT 1 FROM labels d WHERE d.interaction_id = i.id AND d.kind = 'down'
               AND d.status <> 'rejected') AS voted_down,
       EXISTS (SELECT 1 FROM labels c WHERE c.interaction_id = i.id AND c.kind = 'correction'
               AND c.status = 'approved') AS corrected
FROM interactions i
LEFT JOIN slack_requests r ON r.interaction_id = i.id
WHERE i.created_at >= %(since)s
  AND (%(team)s::text IS NULL OR i.team_id = %(team)s)
  AND (%(collection)s::text IS NULL OR %(collection)s = ANY (i.collections))
  -- The restricted part of a Slack question, answered to its asker alone (workers.tasks._answer_privately): the
  -- question's own interaction is the evidence; this one has no request row to say where it was asked.
  AND i.source IS DISTINCT FROM 'slack_private'
  AND r.withdrawn_at IS NULL  -- its asker deleted the question in Slack (bot.intake withdraw): no evidence of a gap
  AND (i.status = 'dont_know'
       OR EXISTS (SELECT 1 FROM labels d WHERE d.interaction_id = i.id AND d.kind = 'down'
                  AND d.status <> 'rejected'))
ORDER BY i.created_at DESC
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Evidence:
    """One question that the documents did not serve: an "I don't know", or an answer voted 👎."""

    interaction_id: str
    asked_at: datetime
    question: str  # redacted
    status: str
    collections: tuple[str, ...]
    closest: tuple[str, ...]  # titles of the closest (or cited) documents
    user_id: str
    channel_id: str
    voted_down: bool
    corrected: bool
    request_kind: str = ""  # slack_requests.kind (mention | dm | thread | command); '' when not asked in Slack
    # An /ask answered to its asker alone (the channel's reply mode is ephemeral, or the bot is not a member and
    # answered through the command's response_url): Slack shows a command's text to no one, so nobody else read it.
    asker_only: bool = False

    @property
    def in_dm(self) -> bool:
        """Asked in a direct message with the bot (or its thread): only the asker and the bot read it."""
        return self.request_kind == "dm" or self.channel_id[:1] == "D"


@dataclass
class Gap:
    """A topic the documents don't cover: the questions about it, who asked, where, and what came closest."""

    name: str  # the group's most typical question
    questions: list[str] = field(default_factory=list)  # redacted, most typical first
    count: int = 0
    dont_know: int = 0
    voted_down: int = 0
    askers: int = 0
    channels: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    closest_documents: list[str] = field(default_factory=list)
    has_approved_correction: bool = False
    last_asked: datetime | None = None

    def as_dict(self, examples: int = 5) -> dict:
        return {
            "name": self.name,
            "count": self.count,
            "dont_know": self.dont_know,
            "voted_down": self.voted_down,
            "askers": self.askers,
            "channels": self.channels,
            "collections": self.collections,
            "examples": self.questions[:examples],
            "closest_documents": self.closest_documents,
            "has_approved_correction": self.has_approved_correction,
            "last_asked": self.last_asked.isoformat() if self.last_asked else None,
        }


def load_evidence(
    conn: Conn,
    since: datetime,
    *,
    team: str | None = None,
    collection: str | None = None,
    limit: int = 1000,
    readable: Sequence[str] | None = None,
) -> list[Evidence]:
    """`readable`: the collections the report's readers may read (workers.access.readable_by_all); a question that
    searched any other keeps no closest documents — they may be restricted documents' titles."""
    rows = conn.execute(
        _EVIDENCE_SQL, {"since": since, "team": team, "collection": collection, "limit": limit}
    ).fetchall()
    out = []
    for r in rows:
        docs = [c.get("title", "") for c in (r["closest"] or [])] or [
            c.get("document_title", "") for c in (r["citations"] or [])
        ]
        if readable is not None and not set(r["collections"] or ()) <= set(readable):
            docs = []
        out.append(
            Evidence(
                interaction_id=str(r["id"]),
                asked_at=r["created_at"],
                question=r["question_redacted"],
                status=r["status"],
                collections=tuple(r["collections"] or ()),
                closest=tuple(d for d in docs if d),
                user_id=r["user_id"],
                channel_id=r["channel_id"],
                voted_down=r["voted_down"],
                corrected=r["corrected"],
                request_kind=r["request_kind"],
                asker_only=r["asker_only"],
            )
        )
    return out


# Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer): a run of them is compared
# by its pairs of characters, the usual stand-in for words there.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _terms(question: str) -> frozenset[str]:
    """What a question is compared by without embeddings: its content terms (guardrails.text: English-alphabet
    words, stemmed) and its words in any other script — lower-cased words with a letter beyond ASCII, and the
    character pairs of runs of a script written without spaces — which content terms leave out: a question in
    Japanese, Russian or Greek has no content term at all, and would be like no other, not even itself."""
    terms = set(term_set(question))
    for word in re.findall(r"\w+", question.casefold()):
        if word.isascii():
            continue
        for run in _UNSPACED.findall(word):
            terms.update({run} if len(run) == 1 else {run[i : i + 2] for i in range(len(run) - 1)})
        rest = _UNSPACED.sub(" ", word).split()
        terms.update(w for w in rest if len(w) > 1 and not w.isascii())
    return frozenset(terms)


def similarity_matrix(questions: Sequence[str], embed: EmbedQuestions | None) -> np.ndarray:
    """Pairwise similarity of the questions: cosine of their vectors, else Dice overlap of their terms (`_terms`),
    the same wording (case and spacing aside) always 1 — a question that is only a redacted value has no term."""
    texts = [without_placeholders(q) for q in questions]
    vectors = embed(texts) if embed is not None and texts else None
    if vectors is not None:
        sims = np.clip(vectors @ vectors.T, -1.0, 1.0)
    else:
        n = len(texts)
        terms = [_terms(t) for t in texts]  # once each: a thousand questions are half a million pairs
        wording = [" ".join(q.casefold().split()) for q in questions]
        sims = np.eye(n)
        for i in range(n):
            for j in range(i + 1, n):
                sims[i, j] = sims[j, i] = 1.0 if wording[i] == wording[j] else dice(terms[i], terms[j])
    return np.asarray(sims, dtype=float)


def cluster(sims: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering: merge the two groups with the highest mean pairwise similarity
    while it is at least `threshold`. Average linkage, unlike single linkage, does not chain unrelated questions
    together through one ambiguous question. Groups come out largest first.

    Keeps the sums of similarities between groups and their means, so a merge updates one row and one column and
    each step is one vectorised argmax: about a second for a thousand questions (recomputing every mean at every
    step took eight)."""
    n = len(sims)
    groups: dict[int, list[int]] = {i: [i] for i in range(n)}
    total = np.array(sims, dtype=float)  # total[a, b]: sum of similarities between the members of a and b
    np.fill_diagonal(total, -np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    link = total.copy()  # link[a, b]: mean similarity between the members of a and b; -inf once b is merged away
    while len(groups) > 1:
        i, j = (int(k) for k in np.unravel_index(int(np.argmax(link)), link.shape))
        if link[i, j] < threshold:
            break
        a, b = min(i, j), max(i, j)
        groups[a] += groups.pop(b)
        total[a, :] += total[b, :]
        total[:, a] += total[:, b]
        size[a] += size[b]
        alive[b] = False
        link[a, :] = np.where(alive, total[a, :] / (size[a] * size), -np.inf)
        link[:, a] = np.where(alive, total[:, a] / (size * size[a]), -np.inf)
        link[a, a] = -np.inf
        link[b, :] = -np.inf
        link[:, b] = -np.inf
    return sorted(groups.values(), key=lambda g: (-len(g), min(g)))


def typical_order(members: list[int], sims: np.ndarray) -> list[int]:
    """Members from the most typical (highest mean similarity to the rest of its group) to the least."""
    if len(members) == 1:
        return members
    sub = sims[np.ix_(members, members)]
    mean = (sub.sum(axis=1) - 1.0) / (len(members) - 1)
    return [members[i] for i in sorted(range(len(members)), key=lambda i: (-mean[i], i))]


def find_gaps(evidence: Sequence[Evidence], embed: EmbedQuestions | None, *, threshold: float = 0.5) -> list[Gap]:
    """The gaps behind the evidence, the most asked first. `threshold`: how similar two questions must be, on
    average over their groups, to be one topic (cosine of MiniLM vectors; Dice of terms without embeddings)."""
    if not evidence:
        return []
    sims = similarity_matrix([e.question for e in evidence], embed)
    gaps = []
    for members in cluster(sims, threshold):
        ordered = typical_order(members, sims)
        items = [evidence[i] for i in ordered]
        docs = Counter(d for e in items for d in e.closest)
        questions = list(dict.fromkeys(e.question for e in items))  # the same question asked twice is one example
        gaps.append(
            Gap(
                name=items[0].question,
                questions=questions,
                count=len(items),
                dont_know=sum(e.status == "dont_know" for e in items),
                voted_down=sum(e.voted_down for e in items),
                askers=len({e.user_id for e in items if e.user_id}),
                channels=sorted({e.channel_id for e in items if e.channel_id}),
                collections=sorted({c for e in items for c in e.collections}),
                closest_documents=[d for d, _ in docs.most_common(3)],
                has_approved_correction=any(e.corrected for e in items),
                last_asked=max(e.asked_at for e in items),
            )
        )
    return sorted(gaps, key=lambda g: (-g.count, -g.askers, g.name))
