"""The phrase rules of the chat (domain/intents.py): what free text asks for, and what is
nothing but a sentence."""

from __future__ import annotations

import pytest

from domain.credentials import normalize_own_username
from domain.errors import InvalidInputError
from domain.intents import Intent, asks_for_cec_status, is_cancel_word, recognise


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancel", Intent.CANCEL),
        ("¿cuántos CECs me faltan?", Intent.CECS),
        ("cuantos creditos necesito", Intent.CECS),
        ("Cuántos CEC me quedan", Intent.CECS),
        ("¿Cuándo vence mi certificación?", Intent.DEADLINE),
        ("cuando puedo renovar", Intent.DEADLINE),
        ("renovar", Intent.RENEW),
        ("Quiero renovar", Intent.RENEW),
        ("no quiero renovar", None),
        ("mis certificaciones", Intent.CERTIFICATIONS),
        ("My certifications", Intent.CERTIFICATIONS),
        ("renew my certifications", Intent.RENEW),
        ("ayuda", Intent.HELP),
        ("menú", Intent.MENU),
        ("¡Hola!", Intent.GREETING),
        ("buenos días", Intent.GREETING),
        ("cancelar", Intent.CANCEL),
        ("Cancel.", Intent.CANCEL),
        ("  STOP! ", Intent.CANCEL),
        ("quit", Intent.CANCEL),
        ("how many CECs do I still need?", Intent.CECS),
        ("How many cecs do i stil ned", Intent.CECS),
        ("cecs?", Intent.CECS),
        ("what do I need to renew", Intent.CECS),
        ("hello, how many CECs do I still need", Intent.CECS),
        ("when is my deadline?", Intent.DEADLINE),
        ("When does my certification expire", Intent.DEADLINE),
        ("when can I renew", Intent.DEADLINE),
        ("when do I need to renew?", Intent.DEADLINE),
        ("deadlin?", Intent.DEADLINE),
        ("what is my expiration date", Intent.DEADLINE),
        ("hi, when is my deadline", Intent.DEADLINE),
        ("I want to renew", Intent.RENEW),
        ("renew", Intent.RENEW),
        ("Renew CPT", Intent.RENEW),
        ("how do I renew?", Intent.RENEW),
        ("I'd like to recertify please", Intent.RENEW),
        ("renewl", Intent.RENEW),
        ("help", Intent.HELP),
        ("Help me!", Intent.HELP),
        ("what can you do?", Intent.HELP),
        ("menu", Intent.MENU),
        ("Main menu", Intent.MENU),
        ("show me the menu", Intent.MENU),
        ("hi", Intent.GREETING),
        ("Hello there", Intent.GREETING),
        ("good morning!", Intent.GREETING),
        ("Hey, how are you?", Intent.GREETING),
    ],
)
def test_recognised(text: str, intent: Intent) -> None:
    assert recognise(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?!",
        "purple elephants dance at midnight",
        "The weather is nice today",
        "my gym membership renewal was expensive",
        "I don't want to renew",
        "cancel please",
        "cancel my invoice",
        "stop the reminders",
        "When are the classes?",
        "I have 3 classes left",
        "What hours are you open",
        "Hi, I have a long question about the audit and my invoices",
        "thanks",
        "Squat clinic",
        "NSCA",
        "30",
        "LEE100001",
        "x" * 4096,
    ],
)
def test_sentences_that_ask_for_nothing_stay_unrecognised(text: str) -> None:
    assert recognise(text) is None


@pytest.mark.parametrize("text", ["cancel", "CANCEL", " stop ", "Quit!", "stop."])
def test_the_bare_word_is_a_cancel(text: str) -> None:
    assert is_cancel_word(text)


@pytest.mark.parametrize(
    "text",
    ["/cancel", "cancel it", "please stop", "stopwatch", "quite", "Cancel culture institute", ""],
)
def test_anything_more_than_the_word_is_not_a_cancel(text: str) -> None:
    assert not is_cancel_word(text)


def test_the_cec_question_rule_is_the_one_recognise_uses() -> None:
    for text in ("how many CECs do I still need?", "cecs left", "credits remaining?"):
        assert asks_for_cec_status(text) and recognise(text) is Intent.CECS
    assert not asks_for_cec_status("when is my deadline?")


def test_only_the_first_300_characters_are_read() -> None:
    assert recognise("x " * 200 + "when is my deadline?") is None


@pytest.mark.parametrize("name", ["cancel", "Stop", "quit"])
def test_a_cancel_word_cannot_be_a_username(name: str) -> None:
    """Typed alone at the username prompt it ends the login, so it may not be one."""
    with pytest.raises(InvalidInputError, match="stops a conversation"):
        normalize_own_username(name)
