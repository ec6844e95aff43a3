-- A canary ended because its version was rejected says so: outcome 'rejected' (feedback/canary.reject), beside
-- 'promoted' and 'rolled_back'. Before, such a canary could only be recorded as rolled back.
-- depends: 0023_request_response_url

ALTER TABLE prompt_canaries DROP CONSTRAINT prompt_canaries_outcome_check;
ALTER TABLE prompt_canaries
    ADD CONSTRAINT prompt_canaries_outcome_check CHECK (outcome IN ('promoted', 'rolled_back', 'rejected'));
