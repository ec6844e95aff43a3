-- A question its asker deleted in Slack (message_deleted, or the tombstone left where it had thread replies) is
-- withdrawn: not answered if it was not yet (the request ends `failed`, "deleted by its asker"), its answer
-- message deleted if it was, and from then on never suggested to others (bot/agent_dm.py) nor shown as a gap.
-- The request row is the mark (deleted with its interaction by the retention purge); labels on it are kept.
-- depends: 0025_ingest_job_resumes

ALTER TABLE slack_requests ADD COLUMN withdrawn_at timestamptz;
