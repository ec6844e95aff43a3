"""Answerability: one calibrated number per question, "probability the documents answer this".

`signals` reads retrieval and question-side evidence; `model` maps it to a probability; `calibration` fits
that map per collection without labels (pseudo-questions from the collection's own sections as positives,
off-topic questions and made-up near-misses as negatives); `confidence` turns it into words for people.
"""
