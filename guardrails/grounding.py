"""Grounding: is every part of an answer supported by the passages it cites?

Checks, in order: citations exist and point at retrieved passages; quoted spans (in citations and in
"double quotes" in the answer) appear verbatim in a cited passage; links, Slack mentions, email addresses,
domain names (any lower-case host with a real top-level ending, not code or a file name) and key-like identifiers
in the answer appear as written and whole in a cited passage (``literals``; "payments.io" is not in
"evil-payments.io");
a short sentence that negates or limits, or a bare "Yes."/"No." ("Not in London.", "No. The cap is…"), is a copy of
a cited passage (a reply word joined by a comma or dash is set aside: "No, refunds are not allowed." is held to its
statement, and "Yes, you can." to the rule); every answer sentence is supported by a cited passage (lexical support,
optionally raised by an embedding similarity); and — because a paraphrase with one changed number, name, negation,
condition or scope is still lexically and semantically close — every sentence passes the exact claim checks of
``guardrails.claims`` (numbers with units, named identifiers, negation polarity, conditions, quantifiers and time
qualifiers such as "last year" or "since March"). A sentence failing an exact check is unsupported whatever its
similarity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from guardrails.claims import CHECKS, ClaimIssue, check_answer
from guardrails.text import content_terms, coverage, normalize_space, sentences, term_set

# Optional semantic support: (sentence, passages) -> best cosine similarity in [0, 1].
SemanticSupport = Callable[[str, Sequence[str]], float]


class GroundingVerdict(TypedDict):
    """The grounding stage's verdict as stored and shown (`--json`): "skipped" when no answer was checked."""

    verdict: str  # grounded | ungrounded | skipped
    score: NotRequired[float]
    threshold: NotRequired[float]
    problems: NotRequired[list[str]]
    unsupported_sentences: NotRequired[int]
    claim_issues: NotRequired[list[str]]
    judge: NotRequired[dict[str, Any]]  # the optional model judge's verdict


def skipped() -> GroundingVerdict:
    """The verdict when no answer was checked (nothing retrieved, the gate said no, the model declined)."""
    return {"verdict": "skipped"}


_QUOTED = re.compile(r"[\"“]([^\"”]{12,})[\"”]")

# Literals an answer may only copy: where a reader is sent or who is pinged, never paraphrased. A sentence whose
# words are mostly supported still carried a link, an address or a key the passages never gave (a Markdown link
# to another site, "<!channel>", a made-up email): word coverage passed it, a reader would follow or trust it.
_SLACK_SEQUENCE = re.compile(r"<[!@#][^<>\s]*(?:\|[^<>]*)?>")  # <!channel>, <@U123>, <#C123|general>
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]{}|\"'`]+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The same, from the start of a run of the characters before "@" only: one that does not start an address there
# starts none later in that run (a later start reads a tail of it); `_EMAIL` tried them all, each scanning the rest
# of the run, and a long run of "_" or "a-" took seconds.
_EMAIL_RUN_START = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A bare domain name Slack would make a link of: common top-level domains only, so that code names such as
# `app.run` or `loop.cycle` are not taken for one.
_TLDS = (
    "com|net|org|io|dev|app|ai|co|info|biz|xyz|site|online|link|click|top|me|ly|gg|cc|tk|ru|cn|in|us|uk|de|fr|eu|"
    "nl|ch|se|no|it|es|pl|au|ca|jp|br|cloud|tech|live|shop|page|zip|mov|example"
)
# Labels may hold any letter: "pay.\u0430cme.com" (a Cyrillic "а") is another host than "pay.acme.com".
_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
# A domain name is its labels then a common top-level domain, unless the dotted run goes on into a call
# (`acme.com(`); `_domains` reads it as the pattern \b(?:LABEL\.)+(?:TLDS)\b(?![.\w-]*\() would, but looks from
# each dotted run once: that pattern tried every label of a long "a.a.a…" or "a.com.a.com…(" run and scanned the
# rest of it each time (20,000 characters took from 20 s to minutes).
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:{_TLDS})\b", re.I)
_LABEL_START = re.compile(r"\b[^\W_]")
_LABEL_RUN = re.compile(r"(?:[^\W_]|-)+")
_LABELS = re.compile(rf"(?:{_LABEL}\.)*", re.I)
_DOTTED_RUN = re.compile(r"[.\w-]*")
# Any other host name: a lower-case name whose ending is a real top-level domain — a country code or a
# generic one ("evil-payments.support", "pay.acme.finance", "acme.pk") — unless it reads as code or a file.
# Python's dotted names end in words that are top-level domains too (`obj.name`, `plt.show`, `user.id`), so a
# two-label name ending in such a word, or one starting with a receiver (`self.`, `os.`, `x.`), is code; a
# file extension (`setup.py`, `README.md`, `model.pt`) is a file. A host written in capitals ("Deploy.Now")
# is prose with a missing space.
_HOST = re.compile(r"(?<![\w.@/=-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?P<tld>[a-z]{2,24})(?![\w-]|\.\w|\s*[(=\[])")
_CCTLDS = _names(
    """ac ad ae af ag al ao aq ar as at aw ax az ba bb bd be bf bg bh bi bj bm bn bo bs bt bw by bz cd cf cg ci
    ck cl cm cr cu cv cw cx cy cz dj dk dm do dz ec ee eg er et fi fj fk fm fo ga gb gd ge gf gh gi gl gm gn gp
    gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im iq ir is je jm jo ke kg kh ki km kn kp kr kw ky kz la lb
    lc li lk lr ls lt lu lv ma mc md mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni np
    nr nu nz om pa pe pf pg ph pk pm pn pr ps pt pw py qa re ro rs rw sa sb sc sd sg sh si sk sl sm sn so sr ss
    st su sv sx sy sz tc td tf tg th tj tl tm tn to tr tt tv tw tz ua ug uy uz va vc ve vg vi vn vu wf ws ye yt
    za zm zw"""
)
_GTLDS = _names(
    """academy accountant accountants agency aero africa amsterdam art asia auction audio bank bar beauty berlin
    best bet bid bike bio blog bond boutique build business buzz cab cafe cam camp capital cards care careers cash
    casino cat center cfd chat cheap church city claims cleaning clinic club codes coffee community company
    computer consulting contact coop credit creditcard cyou dance date deals delivery design diet digital direct
    directory discount domains download earth education email energy engineer engineering enterprises estate events
    exchange expert express fail fans farm fashion finance financial fit fitness foo food football fun fund gallery
    games garden gift gifts global gmbh gold golf gov graphics group guide guru hair health help host hosting house
    icu inc industries ink institute insure int international investments jobs kim land law lawyer legal life
    limited llc loan loans lol london ltd management market marketing markets media menu mil mobi moe money monster
    museum music name network new news nexus ninja nyc one ooo paris partners pay pet photo photos pics pink plus
    poker post press pro productions properties pub quest realty recipes red rent rest reviews rocks run sale salon
    sbs school science secure security services shopping show skin social software solutions space store stream
    studio study style support surf systems team tel tips today tokyo tools trade trading travel tube university
    vip vision wang watch website wiki win work works world wtf zone"""
)
# Endings Python attributes and file names use as often as hosts do (checked only in longer names).
_CODE_TAILS = _names(
    """id pk to is as at by do so be my am gt ge lt ne re ms name data email show run style group one new date
    help menu events news tools watch work works zone team plus fit fun pay rest post security host store stream
    network media build express"""
)
_FILE_ENDINGS = _names("py md sh rs pl ps pt pm mo mk ml mm ac cu cl st sc bz tf")
_RECEIVERS = _names(
    """self cls os sys np pd plt df tf torch nn obj args kwargs ctx req res resp request response app config
    settings user client session model data event item node row this super module mod pkg lib util utils logger
    log json re math time datetime path env result value err error exc ex job task worker conn db cursor cur
    query form field view router parser options opts"""
)


# First labels that make a name a host whatever it ends in: pay.acme.finance, status.acme.systems.
_HOST_PREFIXES = _names(
    """www www2 docs api login auth sso id account accounts my portal status support help mail pay payments
    checkout billing shop store secure dashboard admin console cdn static blog dev staging beta web go get"""
)


def _host_names(text: str) -> list[re.Match[str]]:
    found = []
    for m in _HOST.finditer(text):
        tld, labels = m.group("tld"), m.group(0).split(".")
        if tld in _FILE_ENDINGS or (tld not in _CCTLDS and tld not in _GTLDS):
            continue
        if len(labels[0]) == 1 or labels[0] in _RECEIVERS:
            continue  # x.id, self.name, os.path
        if tld in _CODE_TAILS and len(labels) == 2 and "-" not in m.group(0):
            continue  # user.id, plt.show (but acme-pay.show, login.acme.show)
        worded = tld in _GTLDS and not re.search(r"[\d-]", m.group(0)) and labels[0] not in _HOST_PREFIXES
        if worded and (len(labels) > 2 or text[m.start() - 1 : m.start()] == "`"):
            continue  # an English word ending: workers.slack.store, `files.download` are code, acme.finance a host
        found.append(m)
    return found


_KEY_LIKE = re.compile(r"(?<![\w-])(?=\w*\d)(?=\w*[A-Za-z])\w{12,}(?![\w-])")  # keys, ids, hashes
_TRAILING = ".,;:!?*_~"
# A short sentence that negates, limits or answers yes/no ("No.", "Not in London.", "Except on Fridays."): it turns
# what the sentence around it says, but has too few words of its own for a claim check to compare with a passage.
_TURNING = re.compile(
    r"\b(?:yes|no|not|never|none|nothing|nobody|neither|nor|except|unless|without|only|always|but)\b|n[’']t\b", re.I
)
_SHORT = 2  # content terms
_REPLY_WORD = re.compile(
    r"^\W*(?:yes|no)\s*[.!]\s+\S", re.I
)  # "No. The cap is…": one sentence to the splitter ("No. 5")
# "No, refunds are not allowed." / "Refunds are allowed, yes.": a reply word joined to a statement. The statement
# is what the short-sentence rule looks at (and may copy); the claim checks see it too, and
# ``guardrails.claims`` holds a "No," to the polarity of the passage sentence its statement restates.
_JOINED_REPLY = re.compile(r"^\W*(?:yes|no|nope|yep|yeah)\s*[,:;—–-]+\s*(?P<body>\S.*)$", re.I)
_TRAILING_REPLY = re.compile(r"^(?P<body>.*\S)\s*,\s*(?:yes|no)\W*$", re.I)


_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|can|cannot|could|will|would|do|does|did|must|should|shall|has|have|had|need|"
    r"needs|may|might)\b|n[’']t\b",
    re.I,
)


def _statement(sentence: str) -> str:
    """The sentence without a reply word joined to it by a comma or a dash ("No, X is not allowed." -> "X is not
    allowed."), when what is left is a statement of its own, with a verb; "Yes, on Fridays." stays whole (the
    reply word is its claim)."""
    m = _JOINED_REPLY.match(sentence) or _TRAILING_REPLY.match(sentence)
    body = m.group("body") if m else ""
    return body if content_terms(body) and _VERB.search(body) else sentence


@dataclass(frozen=True)
class CitationRef:
    chunk_id: int
    quote: str = ""


@dataclass
class SentenceSupport:
    sentence: str
    score: float  # lexical / semantic support, 0 when an exact check failed
    supported: bool
    issues: list[str] = field(default_factory=list)  # exact-check findings ("number: …", "negation: …")


@dataclass
class GroundingReport:
    verdict: str  # "grounded" | "ungrounded"
    score: float  # the weakest sentence's support (0..1)
    threshold: float
    problems: list[str] = field(default_factory=list)
    sentences: list[SentenceSupport] = field(default_factory=list)

    @property
    def grounded(self) -> bool:
        return self.verdict == "grounded"

    def as_dict(self) -> GroundingVerdict:
        return {
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "problems": self.problems,
            "unsupported_sentences": sum(1 for s in self.sentences if not s.supported),
            "claim_issues": [i for s in self.sentences for i in s.issues],
        }


def _verbatim(quote: str, passage: str) -> bool:
    return normalize_space(quote).lower() in normalize_space(passage).lower()


def _domains(text: str) -> list[re.Match[str]]:
    """The matches `_DOMAIN` would give from every word start not followed by a call, each dotted run read once:
    when no domain starts at a label, none starts at a later label of its run (their labels are its tail), and a
    run that ends in "(" has none at all."""
    found = []
    pos = 0
    while start := _LABEL_START.search(text, pos):
        i = start.start()
        chain_end = _LABELS.match(text, i).end()  # type: ignore[union-attr]
        if chain_end == i:  # one label, no dot: nor from the labels after its dashes
            pos = _LABEL_RUN.match(text, i).end()  # type: ignore[union-attr]
            continue
        m = _DOMAIN.match(text, i)
        if m is None:
            pos = chain_end
            continue
        run_end = _DOTTED_RUN.match(text, m.end()).end()  # type: ignore[union-attr]
        if text[run_end : run_end + 1] == "(":
            pos = run_end
            continue
        found.append(m)
        pos = m.end()
    return found


def _emails(text: str) -> list[re.Match[str]]:
    """`_EMAIL.finditer(text)`: right where the last address ended an address may start mid-run ("a@b.com.+x@c.com")."""
    found = []
    pos = 0
    while m := (pos and _EMAIL.match(text, pos)) or _EMAIL_RUN_START.search(text, pos):
        found.append(m)
        pos = m.end()
    return found


def literals(text: str) -> list[str]:
    """The links, Slack mentions, email addresses, domain names and key-like identifiers in `text`, in order."""
    found: list[str] = []
    rest = text
    for pattern in (_SLACK_SEQUENCE, _URL, _EMAIL, _DOMAIN, _HOST, _KEY_LIKE):
        if pattern is _HOST:
            matches = _host_names(rest)
        elif pattern is _DOMAIN:
            matches = _domains(rest)
        elif pattern is _EMAIL:
            matches = _emails(rest)
        else:
            matches = list(pattern.finditer(rest))
        for m in matches:
            value = m.group(0).rstrip(_TRAILING) if pattern is not _SLACK_SEQUENCE else m.group(0)
            if value:
                found.append(value)
        for m in reversed(matches):  # a URL's host is not looked up again as a domain name
            rest = rest[: m.start()] + " " + rest[m.end() :]
    return found


def _whole_in(literal: str, text: str) -> bool:
    """`literal` appears in `text` as a whole name, not as a piece of a longer one: "payments.io" is not in
    "evil-payments.io", nor "acme.com" in "acme.com.au" or "bob@acme.co" in "bob@acme.com". A parent domain
    ("acme.com" in "status.acme.com" or "billing@acme.com") and a link's prefix ("https://acme.com" in
    "https://acme.com/pay") are whole."""
    start = text.find(literal)
    while start >= 0:
        end = start + len(literal)
        before = text[start - 1] if start and literal[0].isalnum() else " "  # "<@U123>" is delimited already
        after = text[end : end + 2] if literal[-1].isalnum() else ""
        if not (before.isalnum() or before in "_-") and not re.match(r"[\w-]|\.[a-z0-9]", after):
            return True
        start = text.find(literal, start + 1)
    return False


def unsourced_literals(answer: str, passages: Sequence[str]) -> int:
    """How many of the answer's literals (`literals`) appear in none of `passages`, as written and whole."""
    texts = [normalize_space(p).lower() for p in passages]
    return sum(1 for lit in literals(answer) if not any(_whole_in(lit.lower(), t) for t in texts))


def check_grounding(
    answer: str,
    citations: Sequence[CitationRef],
    retrieved: Mapping[int, str],
    *,
    threshold: float,
    semantic: SemanticSupport | None = None,
    exact: bool | Collection[str] = True,
) -> GroundingReport:
    """Grounding verdict for an answer and its citations against the retrieved passages.

    ``exact`` selects the exact claim checks of ``guardrails.claims``: True = all of them (``CHECKS``:
    numbers, names, negation, conditions), a collection of their names = those only, False = none
    (similarity support only, the check as it was before)."""
    problems: list[str] = []
    if not citations:
        problems.append("the answer cites no passage")
    cited_texts: list[str] = []
    for c in citations:
        text = retrieved.get(c.chunk_id)
        if text is None:
            problems.append(f"citation {c.chunk_id} is not one of the retrieved passages")
            continue
        cited_texts.append(text)
        if c.quote and not _verbatim(c.quote, text):
            problems.append(f"the quote cited from {c.chunk_id} does not appear verbatim in it")
    for quoted in _QUOTED.findall(answer):
        if not any(_verbatim(quoted, t) for t in cited_texts):
            problems.append("a quoted span in the answer does not appear in any cited passage")
    unsourced = unsourced_literals(answer, cited_texts)
    if unsourced:  # never the values: the verdict is stored, and they may be an address or a key
        problems.append(
            f"{unsourced} link(s), mention(s), address(es) or identifier(s) in the answer are in no cited passage"
        )

    # A sentence may join facts of several cited passages (a summary): its terms are looked up in all of them.
    passage_terms = [frozenset().union(*(term_set(t) for t in cited_texts))] if cited_texts else []
    by_sentence: dict[int, list[ClaimIssue]] = {}
    checks = CHECKS if exact is True else () if exact is False else tuple(exact)
    if checks and cited_texts:
        for issue in check_answer(answer, cited_texts, checks):
            by_sentence.setdefault(issue.sentence, []).append(issue)
    results: list[SentenceSupport] = []
    for index, sent in enumerate(sentences(answer)):
        terms = frozenset(content_terms(sent))
        found = by_sentence.get(index, [])
        statement = _statement(sent)
        short = len(content_terms(statement)) <= _SHORT and _TURNING.search(statement)
        copy = sent if statement is sent else statement.rstrip(_TRAILING)  # "No, <the passage's words>."
        if (
            not found
            and (short or _REPLY_WORD.match(sent))
            and not any(_verbatim(copy, t) for t in cited_texts)  # a document's own fragment, quoted: fine
        ):
            results.append(SentenceSupport(sent, 0.0, False, []))
            problems.append(f"sentence {index + 1}: it negates or limits without saying what, so it cannot be checked")
            continue
        if not terms and not found:  # connective sentences carry no claim of their own
            continue
        lexical = max((coverage(terms, p) for p in passage_terms), default=0.0)
        score = lexical
        if found:
            score = 0.0
        elif semantic is not None and cited_texts and lexical < threshold:
            score = max(score, semantic(sent, cited_texts))
        results.append(SentenceSupport(sent, score, score >= threshold, [str(i) for i in found]))
        for issue in found[:3]:
            problems.append(f"sentence {index + 1}: {issue}")
    if not results and not problems:
        problems.append("the answer makes no checkable statement")
    weakest = min((s.score for s in results), default=0.0)
    unsupported = [s for s in results if not s.supported]
    if unsupported:
        problems.append(f"{len(unsupported)} of {len(results)} sentences are not supported by a cited passage")
    verdict = "ungrounded" if problems else "grounded"
    return GroundingReport(verdict, weakest, threshold, problems, results)
