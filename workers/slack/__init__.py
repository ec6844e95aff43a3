"""The Slack plumbing the bot and the workers share: the WebClient factory (client), the durable request rows
(store), OAuth installations and tokens (installations; dead_tokens: a token Slack calls revoked removes its
installation), Block Kit replies (blocks, verified_blocks, mrkdwn) and
the live stream (live). Importing this package imports none of its modules: the bot loads what it needs."""
