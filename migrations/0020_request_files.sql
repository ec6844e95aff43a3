-- Files attached to a Slack question (issue F item 5): the listener keeps only Slack's file ids (F…) with the
-- request; the worker reads the files through files.info and url_private when it answers, redacts them like the
-- question and never stores their content or names.
-- depends: 0017_prompt_history_handover

ALTER TABLE slack_requests
    ADD COLUMN file_ids text[] NOT NULL DEFAULT '{}';
