"""The Slack surface: Bolt listeners that filter, de-duplicate, acknowledge, post a placeholder and enqueue."""
