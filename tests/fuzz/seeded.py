"""The state every fuzz example starts from: a question answered, one answered "I don't know", a pending
prompt version — ids, timestamps and the SQL that seeds and resets it."""

from __future__ import annotations

from core.embedded_redis import free_port
from slack_standin import ALICE, BOB, GENERAL, TEAM_ID
from workers.slack.store import RequestKey

# Two delivered answers in #general: one "answered", one "I don't know" (whose thread takes expert replies).
Q_TS, ANS_TS = "1700000000.000100", "1700000000.000200"  # alice's question, and the bot's answer to it
DK_TS, DK_ANS_TS = "1700000000.000300", "1700000000.000400"
I_ANS = RequestKey(TEAM_ID, GENERAL, Q_TS).interaction_id()
I_DK = RequestKey(TEAM_ID, GENERAL, DK_TS).interaction_id()
SEEDED_KEYS = {RequestKey(TEAM_ID, GENERAL, Q_TS), RequestKey(TEAM_ID, GENERAL, DK_TS)}
L_DOWN, L_CORR = 1, 2  # bob's 👎 on the answer; bob's pending correction of the "I don't know"
V_PENDING = 2  # a retuned prompt version waiting for an admin (version 1 is active)
MAX_CHARS = 4000  # ANSWERLOOP_MAX_QUESTION_CHARS, default
CORRECTION_MAX = 3000  # Slack's plain_text_input limit, and the bot's for corrections

# The stand-in on a port known when the strategies are built: response_urls point at it (an unknown token
# there answers 404, as Slack does for a stale one; respond() does not raise on it).
PORT = free_port()
RESPONSE_URL = f"http://127.0.0.1:{PORT}/response_url/{TEAM_ID}/fuzz"

SEED_SQL = """
INSERT INTO interactions (id, source, collections, question_redacted, answer, status, answerer, prompt_version_id)
VALUES (%(ians)s, 'slack', '{handbook}', 'how do I deploy?', 'Run make deploy.', 'answered', 'extractive', 1),
       (%(idk)s, 'slack', '{handbook}', 'where is the VPN config?', 'I don''t know.', 'dont_know', 'extractive', 1);
INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, question_redacted,
                            interaction_id, placeholder_ts, status)
VALUES (%(team)s, %(general)s, %(q)s, %(q)s, %(alice)s, 'mention', NULL, %(ians)s, %(ans)s, 'delivered'),
       (%(team)s, %(general)s, %(dk)s, %(dk)s, %(alice)s, 'mention', NULL, %(idk)s, %(dkans)s, 'delivered');
INSERT INTO prompt_versions (id, instructions, params, parent_id, author, note)
SELECT 2, instructions, params, 1, 'retune', 'fuzz: a candidate waiting for approval' FROM prompt_versions WHERE id = 1;
SELECT setval('prompt_versions_id_seq', 2);
"""

RESET_SQL = """
DELETE FROM admin_actions;
DELETE FROM verified_answers;
DELETE FROM document_feedback;
DELETE FROM labels;
DELETE FROM slack_requests
WHERE NOT (team_id = %(team)s AND channel_id = %(general)s AND message_ts IN (%(q)s, %(dk)s));
INSERT INTO labels (id, interaction_id, kind, source, team_id, channel_id, user_id, reactions, split,
                    prompt_version_id)
VALUES (1, %(ians)s, 'down', 'reaction', %(team)s, %(general)s, %(bob)s, '{-1}', 'train', 1);
INSERT INTO labels (id, interaction_id, kind, source, team_id, channel_id, user_id, user_name, correction, split,
                    prompt_version_id)
VALUES (2, %(idk)s, 'correction', 'modal', %(team)s, %(general)s, %(bob)s, 'bob', 'Ask IT for vpn.conf.', 'train', 1);
SELECT setval('labels_id_seq', 100);
UPDATE prompt_pointer SET version_id = 1;
DELETE FROM prompt_activations WHERE kind <> 'seed';
DELETE FROM prompt_reviews;
INSERT INTO prompt_reviews (version_id, status) VALUES (2, 'pending');
"""
SQL_ARGS = {
    "ians": I_ANS,
    "idk": I_DK,
    "team": TEAM_ID,
    "general": GENERAL,
    "q": Q_TS,
    "ans": ANS_TS,
    "dk": DK_TS,
    "dkans": DK_ANS_TS,
    "alice": ALICE,
    "bob": BOB,
}
