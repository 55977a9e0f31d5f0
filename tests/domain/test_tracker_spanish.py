"""The tracker's errors are templates with values: `str()` is the English sentence, and a
Spanish member reads them translated with every value filled in (the values that are
sentences, such as the units' help or the quota's advice, translated too)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from telegram import Update

from domain.errors import DomainError, InvalidInputError
from domain.languages import Language
from domain.ports import UnitOfWork
from domain.services.tracker import PAID_CYCLE, activity_provider, activity_title
from domain.tracker import (
    DATE_FORMATS,
    MAX_PROOF_BYTES_PER_CYCLE,
    MAX_PROOF_FILES_PER_CYCLE,
    ProofUsage,
    check_completed_on,
    check_declared_size,
    check_proof_quota,
    no_cycle_error,
    parse_activity_amount,
    parse_activity_cecs,
    parse_completed_on,
    proof_type,
)
from handlers.turn import Turn
from i18n import speaker
from tests.chat.spanish import english_leaks

SPANISH = speaker(Language.ES)


def raised(call: object, *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_a_lapsed_member_reads_both_dates_in_spanish() -> None:
    error = no_cycle_error([date(2024, 12, 31), date(2025, 12, 31)])
    assert "cycle ended 12/31/2025" in str(error) and "ended 06/30/2026" in str(error)
    said = SPANISH.explain(error)
    assert said.startswith("Su certificación ha caducado: su ciclo terminó el 12/31/2025")
    assert "terminó el 06/30/2026" in said and "{" not in said
    assert not english_leaks([said])
    assert SPANISH.explain(raised(check_completed_on, date(2026, 1, 5), date(2026, 1, 5), [])) == (
        SPANISH.gettext(no_cycle_error([]).template)
    )


@pytest.mark.parametrize(
    ("typed", "english", "spanish"),
    [
        (
            "2 credits",
            "I cannot read '2 credits' as CECs. Type the CECs as a number (e.g. 2 or 1.5), or "
            'as printed on the certificate: hours ("2 hours"',
            "No puedo leer '2 credits' como CEC. Escriba los CEC como un número (p. ej., 2 o "
            '1.5), o como figuran en el certificado: horas ("2 horas"',
        ),
        (
            "1.3 hours",
            "1.3 contact hours = 1.3 CECs, but CECs are counted in steps of 0.5",
            "1.3 horas de contacto = 1.3 CEC, pero los CEC se cuentan en pasos de 0.5",
        ),
        (
            "0.22 CEUs",
            "0.22 CEUs = 2.2 CECs, but CECs are counted in steps of 0.5",
            "0.22 CEU = 2.2 CEC, pero los CEC se cuentan en pasos de 0.5",
        ),
        ("101", "More than 100 CECs for one activity", "Más de 100 CEC para una sola actividad"),
        ("-2", "CECs cannot be negative", "los CEC no pueden ser negativos"),
    ],
)
def test_a_cec_amount_refused_is_said_in_spanish_with_what_was_typed(
    typed: str, english: str, spanish: str
) -> None:
    error = raised(parse_activity_amount, typed)
    assert str(error).startswith(english)
    said = SPANISH.explain(error)
    assert said.startswith(spanish) and "{" not in said
    assert not english_leaks([said], allowed=[typed])


@pytest.mark.parametrize(
    ("typed", "spanish"),
    [
        ("2 hours", "2 horas de contacto = 2 CEC"),
        ("1 hour", "1 hora de contacto = 1 CEC"),
        ("1,5 Hours", "1.5 horas de contacto = 1.5 CEC"),
        ("0.2 CEUs", "0.2 CEU = 2 CEC"),
        ("0.1 CEU", "0.1 CEU = 1 CEC"),
        ("1 CEU", "1 CEU = 10 CEC"),
    ],
)
def test_a_conversion_is_a_template_said_as_the_english_or_in_spanish(
    typed: str, spanish: str
) -> None:
    amount = parse_activity_amount(typed)
    assert amount.conversion_template is not None
    template, values = amount.conversion_template
    assert speaker(Language.EN).gettext(template, **values) == amount.conversion
    assert SPANISH.gettext(template, **values) == spanish
    assert parse_activity_amount("2").conversion_template is None


def test_files_refused_are_said_in_spanish_with_sizes_and_advice() -> None:
    too_big = raised(check_declared_size, 12 * 1024 * 1024)
    assert str(too_big).startswith("That file is 12.0 MB: certificates can be at most 10 MB.")
    assert SPANISH.explain(too_big).startswith("Ese archivo ocupa 12.0 MB:")
    assert SPANISH.explain(raised(proof_type, b"")) == "Ese archivo está vacío."

    at_most = ProofUsage(files=MAX_PROOF_FILES_PER_CYCLE, size=0)
    files = raised(check_proof_quota, at_most, 1)
    said = SPANISH.explain(files)
    assert said.startswith(f"Ha enviado {MAX_PROOF_FILES_PER_CYCLE} archivos de certificados")
    assert "(100 archivos o 200 MB por ciclo)" in said
    assert said.endswith("eliminar una actividad en /mycecs elimina su certificado.")

    full = ProofUsage(files=1, size=MAX_PROOF_BYTES_PER_CYCLE - 1024 * 1024)
    size = raised(check_proof_quota, full, 3 * 1024 * 1024)
    assert "take 199 MB; with this one (3 MB)" in str(size)
    said = SPANISH.explain(size)
    assert "ocupan 199 MB; con este (3 MB) superarían los 200 MB" in said
    assert "Los archivos que no se usan" in said
    assert not english_leaks([SPANISH.explain(e) for e in (too_big, files, size)])


def test_titles_providers_and_paid_cycles_are_said_in_spanish() -> None:
    assert SPANISH.explain(raised(activity_title, "  ")) == "El título: está vacío."
    assert SPANISH.explain(raised(activity_provider, "")) == "El proveedor: está vacío."
    assert SPANISH.explain(InvalidInputError(PAID_CYCLE)).startswith("Esta actividad cuenta")
    assert SPANISH.explain(raised(parse_activity_cecs, "0")) == (
        "Una actividad otorga al menos 0.5 CEC."
    )


def test_the_turn_explains_a_tracker_error_in_the_members_language_escaped() -> None:
    error = raised(parse_activity_amount, "<b>2 credits</b>")
    turn = Turn(update=cast(Update, None), uow=cast(UnitOfWork, None), language=Language.ES)
    said = turn.explain(error)
    assert said.startswith("No puedo leer &#x27;&lt;b&gt;2 credits&lt;/b&gt;&#x27; como CEC.")
    english = Turn(update=cast(Update, None), uow=cast(UnitOfWork, None))
    assert english.explain(error).startswith("I cannot read &#x27;&lt;b&gt;2 credits")


@pytest.mark.parametrize(
    ("typed", "cecs", "spanish"),
    [
        ("2 horas", "2", "2 horas de contacto = 2 CEC"),
        ("1 hora", "1", "1 hora de contacto = 1 CEC"),
        ("1,5 Horas de contacto", "1.5", "1.5 horas de contacto = 1.5 CEC"),
        ("0.2 CEU", "2", "0.2 CEU = 2 CEC"),
    ],
)
def test_a_spanish_member_types_hours_in_spanish(typed: str, cecs: str, spanish: str) -> None:
    amount = parse_activity_amount(typed)
    assert amount.cecs == Decimal(cecs) and amount.conversion_template is not None
    assert SPANISH.gettext(amount.conversion_template[0], **amount.conversion_template[1]) == (
        spanish
    )
    with pytest.raises(InvalidInputError, match=r"steps of 0\.5"):
        parse_activity_amount("1.3 horas")


def test_hoy_is_today_as_today_is() -> None:
    today = date(2026, 12, 5)
    assert parse_completed_on(" Hoy ", today) == parse_completed_on("today", today) == today
    assert SPANISH.gettext(DATE_FORMATS).endswith("o hoy")
