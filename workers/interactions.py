"""Recording interactions: the redacted question only, with everything needed to review and relearn."""

from __future__ import annotations

import uuid

from psycopg.types.json import Jsonb

from core.db import Conn


def record_interaction(conn: Conn, row: dict) -> uuid.UUID:
    interaction_id = row.get("id") or uuid.uuid4()
    conn.execute(
        """
        INSERT INTO interactions (id, source, collections, question_redacted, answer, status, reason, answerer,
                                  citations, closest, scores, guard, prompt_version_id, timings_ms, team_id)
        VALUES (%(id)s, %(source)s, %(collections)s, %(question_redacted)s, %(answer)s, %(status)s, %(reason)s,
                %(answerer)s, %(citations)s, %(closest)s, %(scores)s, %(guard)s, %(prompt_version_id)s,
                %(timings_ms)s, %(team_id)s)
        ON CONFLICT (id) DO NOTHING
        """,
        {
            "team_id": "",
            **row,
            "id": interaction_id,
            "citations": Jsonb(row["citations"]),
            "closest": Jsonb(row["closest"]),
            "scores": Jsonb(row["scores"]),
            "guard": Jsonb(row["guard"]),
            "timings_ms": Jsonb(row["timings_ms"]),
        },
    )
    return interaction_id
