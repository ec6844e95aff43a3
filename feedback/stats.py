"""Usage and feedback figures for admins: weekly stats per prompt version, and a review sample."""

from __future__ import annotations

from core.db import Conn

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
