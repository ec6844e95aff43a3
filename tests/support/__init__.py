"""Test helpers: a real Postgres (embedded or ANSWERLOOP_TEST_DATABASE_URL) and a local OpenAI-compatible server."""
