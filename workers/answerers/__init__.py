"""Answerers: turn retrieved passages into a cited answer (extractive offline, or a model via instructor)."""
