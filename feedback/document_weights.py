"""Per-document vote counts: answers that cited a document lend it their votes (see doc_boost_weight)."""

from __future__ import annotations

import uuid

from core.db import Conn

# Documents an interaction cited. Citations recorded before document ids were stored resolve through the chunk.
_CITED_DOCUMENTS = """
SELECT DISTINCT coalesce((c->>'document_id')::bigint,
                         (SELECT ch.document_id FROM chunks ch WHERE ch.id = (c->>'chunk_id')::bigint)) AS document_id
FROM interactions i, jsonb_array_elements(i.citations) c
WHERE i.id = ANY(%s)
"""

_REFRESH = """
WITH votes AS (
    SELECT DISTINCT l.id, l.kind,
           coalesce((c->>'document_id')::bigint,
                    (SELECT ch.document_id FROM chunks ch WHERE ch.id = (c->>'chunk_id')::bigint)) AS document_id
    FROM labels l
    JOIN interactions i ON i.id = l.interaction_id, jsonb_array_elements(i.citations) c
    WHERE l.kind IN ('up', 'down') AND l.status IN ('pending', 'approved')
)
INSERT INTO document_feedback (document_id, ups, downs, updated_at)
SELECT d.id, count(v.id) FILTER (WHERE v.kind = 'up'), count(v.id) FILTER (WHERE v.kind = 'down'), now()
FROM documents d LEFT JOIN votes v ON v.document_id = d.id
WHERE d.id = ANY(%s)
GROUP BY d.id
ON CONFLICT (document_id) DO UPDATE SET ups = EXCLUDED.ups, downs = EXCLUDED.downs, updated_at = now()
"""


def refresh_for_interactions(conn: Conn, interaction_ids: list[uuid.UUID | str]) -> list[int]:
    """Recount the votes of every document these interactions cited; returns those document ids."""
    docs = [r["document_id"] for r in conn.execute(_CITED_DOCUMENTS, (list(interaction_ids),)).fetchall()]
    docs = [d for d in docs if d is not None]
    if docs:
        conn.execute(_REFRESH, (docs,))
    return docs


def weight(ups: int, downs: int, strength: float) -> float:
    """1 ± at most `strength`: the balance of votes, damped for documents with few of them."""
    return 1.0 + strength * (ups - downs) / (ups + downs + 2)


def weights_for_chunks(conn: Conn, chunk_ids: list[int], strength: float) -> dict[int, float]:
    """Ranking weight per chunk (only chunks whose document has votes)."""
    if strength <= 0 or not chunk_ids:
        return {}
    rows = conn.execute(
        "SELECT c.id, f.ups, f.downs FROM chunks c JOIN document_feedback f ON f.document_id = c.document_id "
        "WHERE c.id = ANY(%s) AND (f.ups > 0 OR f.downs > 0)",
        (chunk_ids,),
    ).fetchall()
    return {r["id"]: weight(r["ups"], r["downs"], strength) for r in rows}
