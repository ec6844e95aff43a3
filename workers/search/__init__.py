"""Search over the knowledge base: the BM25 keyword index, vector search, fusion and reranking."""
