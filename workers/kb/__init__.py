"""Knowledge base: parse documents into heading-aware chunks, embed them, keep Postgres in sync."""
