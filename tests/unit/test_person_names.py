"""People's names found without an NER model (guardrails/person_names.py): where chat puts a person, and not in
the product names, words and places that share a given name's spelling."""

from __future__ import annotations

import pytest

from guardrails.person_names import person_spans


def _found(text: str) -> list[str]:
    return [text[a:b] for a, b in person_spans(text)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Can you ask Priya about the deploy?", ["Priya"]),
        ("Maria Gonzalez said the build is broken", ["Maria Gonzalez"]),
        ("who approved Chinedu's expense report?", ["Chinedu"]),
        ("Aaron Plattner can't log in to the VPN", ["Aaron Plattner"]),  # a surname the list lacks, no English word
        ("Priya said the VPN is down again", ["Priya"]),  # first in the sentence, then what a person does
        ("I talked to Adam M. Costello yesterday", ["Adam M. Costello"]),
        ("please loop in Dr. Okafor on this", ["Dr. Okafor"]),
        ("Will Smith and Mark Evans asked about PTO", ["Will Smith", "Mark Evans"]),  # word-names with a surname
        ("hey, Zoë is out today, who covers on-call?", ["Zoë"]),
        ("is Mohammed's laptop covered? ask Siobhan", ["Mohammed", "Siobhan"]),
        ("Maria Gonzalez's desk moved", ["Maria Gonzalez"]),
    ],
)
def test_names_where_chat_puts_a_person(text, names):
    assert _found(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Will Jenkins retry the build if a stage fails?",  # a modal verb and a CI server
        "Can Flask stream the response row by row?",
        "How do I change the port in a Spring Boot application.yml?",
        "Is the Travis CI config still used, or only GitHub Actions?",
        "What is the hotel cap per night in London?",
        "the offsite in Berlin is on a Sunday",
        "epoch 1737326132 is Mar 20 02:30 UTC, right?",
        "order #592124 shipped on Jan 31, tracking 1ZHF72O4S0I196O7OW",
        "Does Celery support Redis Sentinel and Cassandra result backends?",
        "Mark the task as done, then grant the role",
        "Rich tables look wrong in the Typer help output",
        "How do I configure SCIM provisioning in Okta for a new app?",
        "ask maria about it",  # all lower case: not found (documented)
        "Why does Julia call into Python so slowly?",
        "What is the hotel cap per night in New York during the Falcon deal?",  # a place's name goes on
        "flights to San Francisco and the Los Angeles office",
        "Meeting rooms in Lisbon are booked in the Robin app.",  # a determiner: a thing's name
    ],
)
def test_words_products_and_places_spelled_like_given_names_are_not_people(text):
    assert _found(text) == []


def test_a_name_first_in_a_sentence_needs_a_sign_that_it_is_a_person():
    # "Adam" first, followed by a word that says nothing of a person: as likely a heading or product as a name.
    assert _found("Adam optimiser settings for the model") == []
    assert _found("Adam wants the optimiser settings") == ["Adam"]
    assert _found("The settings. Adam asked for them") == ["Adam"]


def test_a_greeting_first_in_the_sentence_is_no_part_of_a_name():
    assert _found("Hi Maria, is the VPN down?") == ["Maria"]
    assert _found("Thanks Priya") == ["Priya"]


def test_a_lone_name_after_a_place_preposition_is_a_place():
    assert _found("the bus via Florence and the hotel near Lorena") == []
    assert _found("a desk near Lorena Ruiz") == ["Lorena Ruiz"]
