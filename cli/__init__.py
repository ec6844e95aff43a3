"""The `answerloop` command line: the main job, the knowledge base, asking, the database."""
