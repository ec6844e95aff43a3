-- Whether a Slack question was asked in the asker's own DM with the bot, as Slack said it: the event's
-- channel_type "im", or for /ask a "directmessage" that conversations.info shows is the bot's IM with the asker.
-- It was guessed from the channel id ("D…"), which a DM between two people has too: a question asked there was
-- answered as if only the asker would read it. Questions already recorded keep what their kind says.
-- depends: 0021_question_vectors

ALTER TABLE slack_requests
    ADD COLUMN in_dm boolean NOT NULL DEFAULT false;

UPDATE slack_requests SET in_dm = true WHERE kind = 'dm';
