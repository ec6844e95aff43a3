-- Verified answers with an owner and a review date (issue G item 3).
-- An approved correction's verified answer is owned by its approver (or the owner named at approval): a Slack user
-- id (U…/W…) gets the review DM; any other name is shown and must be reassigned before anyone can be asked.
-- verified_at is the approval, or the owner's last "Still correct"; review_after = verified_at + the collection's
-- review period (collections.verified_review_days, 90 days when unset). Past review_after the answer is still
-- served, marked "last verified on <verified_at>", and the owner is asked once per period: review_notified_for
-- holds the review_after whose DM was claimed (a second beat, or a second tick, sees it and sends nothing).
-- sources: the documents the corrected answer had cited, with their content hash at approval; one whose hash
-- differs now (or that is gone) flags the answer for review. A retired answer keeps its row (list/show, audit)
-- but its document is deleted, so it is never retrieved again.
-- depends: 0017_prompt_history_handover

ALTER TABLE collections ADD COLUMN verified_review_days integer CHECK (verified_review_days > 0);

ALTER TABLE verified_answers
    ADD COLUMN owner                text,
    ADD COLUMN verified_at          timestamptz,
    ADD COLUMN review_after         timestamptz,
    ADD COLUMN status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    ADD COLUMN retired_by           text,
    ADD COLUMN retired_at           timestamptz,
    ADD COLUMN sources              jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN review_notified_for  timestamptz,
    ADD COLUMN review_notice        jsonb NOT NULL DEFAULT '{}';  -- the last DM: channel, ts, at, or its error

-- Existing verified answers: owned by their approver (a Slack admin's `slack:U…` is that user), verified at their
-- approval, due 90 days later; their sources are the documents the corrected answer cited, as they are now.
UPDATE verified_answers v SET
    owner = CASE WHEN v.approved_by LIKE 'slack:%' THEN substr(v.approved_by, 7) ELSE v.approved_by END,
    verified_at = coalesce(l.reviewed_at, v.created_at),
    review_after = coalesce(l.reviewed_at, v.created_at) + interval '90 days'
FROM labels l WHERE l.id = v.label_id;

UPDATE verified_answers v SET sources = coalesce((
    SELECT jsonb_agg(DISTINCT jsonb_build_object(
               'document_id', d.id, 'collection', d.collection, 'source_path', d.source_path,
               'title', d.title, 'content_hash', d.content_hash))
    FROM labels l
    JOIN interactions i ON i.id = l.interaction_id
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(i.citations, '[]')) AS c(cite)
    LEFT JOIN chunks ch ON ch.id = (c.cite->>'chunk_id')::bigint
    JOIN documents d ON d.id = coalesce((c.cite->>'document_id')::bigint, ch.document_id)
    WHERE l.id = v.label_id AND d.format <> 'verified'
), '[]');

ALTER TABLE verified_answers
    ALTER COLUMN owner SET NOT NULL,
    ALTER COLUMN verified_at SET NOT NULL,
    ALTER COLUMN verified_at SET DEFAULT now(),
    ALTER COLUMN review_after SET NOT NULL,
    ADD CHECK ((status = 'retired') = (retired_at IS NOT NULL));

CREATE INDEX verified_answers_review ON verified_answers (review_after) WHERE status = 'active';
CREATE INDEX verified_answers_document ON verified_answers (document_id);
