"""The answer pipeline and knowledge base: ingestion, retrieval, answering, recording."""
