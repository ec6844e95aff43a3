"""Usage and feedback figures for admins: weekly stats per prompt version, live figures per version with 95%
confidence intervals (what a canary is judged on), and a review sample."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime

from core.db import Conn

Z95 = 1.959964  # the normal quantile of a two-sided 95% interval

_VOTES = """
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE l.kind = 'up') AS ups,
           count(*) FILTER (WHERE l.kind = 'down') AS downs,
           count(*) FILTER (WHERE l.kind = 'correction') AS corrections
    FROM labels l WHERE l.interaction_id = i.id AND l.status IN ('pending', 'approved')
) v ON true
"""

_STATS_SQL = (
    """
SELECT date_trunc('week', i.created_at)::date AS week, i.prompt_version_id AS version,
       count(*) AS questions,
       count(*) FILTER (WHERE i.status = 'answered') AS answered,
       count(*) FILTER (WHERE i.status = 'dont_know') AS dont_know,
       coalesce(sum(v.ups), 0)::int AS ups, coalesce(sum(v.downs), 0)::int AS downs,
       coalesce(sum(v.corrections), 0)::int AS corrections
FROM interactions i
"""
    + _VOTES
    + """
WHERE i.created_at >= now() - make_interval(weeks => %(weeks)s)
  AND (%(team)s::text IS NULL OR i.team_id = %(team)s)
GROUP BY 1, 2 ORDER BY 1 DESC, 2 DESC
"""
)

_SAMPLE_SQL = (
    """
SELECT i.id, i.created_at, i.source, i.collections, i.question_redacted, i.answer, i.status, i.reason,
       i.prompt_version_id, i.citations, i.scores, v.ups, v.downs, v.corrections
FROM interactions i
"""
    + _VOTES
    + """
WHERE i.created_at >= now() - make_interval(days => %(days)s)
  AND (%(team)s::text IS NULL OR i.team_id = %(team)s)
ORDER BY md5(i.id::text || %(seed)s)
LIMIT %(n)s
"""
)


def weekly_stats(conn: Conn, weeks: int = 8, team: str | None = None) -> list[dict]:
    """Per week and prompt version: questions, answered vs "I don't know", 👍/👎 (current votes) and corrections;
    of one workspace when `team` is given."""
    rows = conn.execute(_STATS_SQL, {"weeks": weeks, "team": team}).fetchall()
    for r in rows:
        votes = r["ups"] + r["downs"]
        r["up_rate"] = round(r["ups"] / votes, 3) if votes else None
        r["answered_rate"] = round(r["answered"] / r["questions"], 3) if r["questions"] else None
    return rows


def review_sample(conn: Conn, n: int = 20, days: int = 7, seed: str = "", team: str | None = None) -> list[dict]:
    """A random sample of recent interactions (reproducible with the same seed) for a daily read."""
    return conn.execute(_SAMPLE_SQL, {"n": n, "days": days, "seed": seed, "team": team}).fetchall()


_BY_VERSION_SQL = (
    """
SELECT i.prompt_version_id AS version, count(*) AS questions,
       count(*) FILTER (WHERE i.status = 'dont_know') AS dont_know,
       count(*) FILTER (WHERE i.guard->'grounding'->>'verdict' = 'grounded') AS grounded,
       count(*) FILTER (WHERE i.guard->'grounding'->>'verdict' IN ('grounded', 'ungrounded')) AS checked,
       coalesce(sum(v.ups), 0)::int AS ups, coalesce(sum(v.downs), 0)::int AS downs,
       array_remove(array_agg((i.timings_ms->>'total')::float), NULL) AS latencies
FROM interactions i
"""
    + _VOTES
    + """
WHERE i.created_at >= %(since)s AND i.prompt_version_id IS NOT NULL
  AND (%(team)s::text IS NULL OR i.team_id = %(team)s)
  AND (%(version)s::int IS NULL OR i.prompt_version_id = %(version)s)
GROUP BY 1 ORDER BY 1 DESC
"""
)


@dataclass(frozen=True)
class Rate:
    """`hits` of `n` with the Wilson score 95% interval (sound for small n and rates near 0 or 1). None if n=0."""

    hits: int
    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Median:
    """The median of `n` values and a distribution-free 95% interval: the order statistics around it that a
    binomial(n, ½) count puts the median between (normal approximation of the ranks)."""

    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class VersionStats:
    version: int
    questions: int
    up: Rate  # of current 👍/👎 votes on its answers
    dont_know: Rate  # of its questions
    grounding: Rate  # of its drafts the grounding check ran on (gate-declined questions have none)
    latency_ms: Median  # time to the answer

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def unasked(cls, version: int) -> VersionStats:
        """The figures of a version no question was answered with yet (a canary just started): every field there,
        counts 0 and values None — the same shape as any other version's, for whoever reads them."""
        return cls(version, 0, wilson(0, 0), wilson(0, 0), wilson(0, 0), median_interval([]))


def wilson(hits: int, n: int, z: float = Z95) -> Rate:
    if n == 0:
        return Rate(hits, 0, None, None, None)
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Rate(hits, n, round(p, 4), round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def median_interval(values: list[float], z: float = Z95) -> Median:
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return Median(0, None, None, None)
    mid = (xs[(n - 1) // 2] + xs[n // 2]) / 2
    lo_rank = max(1, math.floor(n / 2 - z * math.sqrt(n) / 2))  # 1-based ranks
    hi_rank = min(n, math.ceil(1 + n / 2 + z * math.sqrt(n) / 2))
    return Median(n, round(mid, 2), round(xs[lo_rank - 1], 2), round(xs[hi_rank - 1], 2))


def version_stats(
    conn: Conn, since: datetime, team: str | None = None, version: int | None = None
) -> list[VersionStats]:
    """Live figures per prompt version since `since` (of one workspace when `team` is given; of one version when
    `version` is), newest version first."""
    rows = conn.execute(_BY_VERSION_SQL, {"since": since, "team": team, "version": version}).fetchall()
    return [
        VersionStats(
            version=r["version"],
            questions=r["questions"],
            up=wilson(r["ups"], r["ups"] + r["downs"]),
            dont_know=wilson(r["dont_know"], r["questions"]),
            grounding=wilson(r["grounded"], r["checked"]),
            latency_ms=median_interval(list(r["latencies"] or [])),
        )
        for r in rows
    ]
