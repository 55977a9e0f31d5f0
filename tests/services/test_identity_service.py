"""Proving who you are (domain/services/identity.py) on the real database: a default-
credential session is unproven and shows contact details masked; an emailed code or the
member's own phone number proves it; codes are single use and stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FixedClock
from domain.errors import ProofNeededError
from domain.identity import CodePurpose, mask_email, mask_phone, same_phone, typed_code
from domain.rules import Rules
from domain.services import auth, identity, renewal
from domain.services.identity import CodeOutcome
from tests.services.service_helpers import ANN, UowFactory, load_member, turn

TG = 4242


def code_of(mail_text: str) -> str:
    return next(line.strip() for line in mail_text.splitlines() if line.strip().isdigit())


def test_masks_and_phone_matching() -> None:
    assert mask_email("jane.doe@example.com") == "j***@e***.com"
    assert mask_phone("+13175550100") == "***-***-0100"
    assert same_phone("+1 317 555 0100", "13175550100")
    assert same_phone("+13175550100", "+1 (317) 555-0100")
    assert same_phone("+13175550100", "3175550100")  # without the country code 1
    assert not same_phone("+13175550100", "443175550100")
    assert not same_phone(None, "13175550100")
    assert typed_code(" 123 456 ") == "123456" and typed_code("12345") is None
    assert typed_code("١٢٣٤٥٦") is None  # ASCII digits only


async def test_default_login_is_unproven_and_masked_until_the_phone_proves_it(
    seeded: UowFactory, rules: Rules
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    me = await turn(seeded, auth.current_member, rules, TG)
    assert me is not None and not me.identity_proven
    assert me.shown_email == "a***@e***.org" and me.shown_phone == "***-***-0100"
    # Someone else's contact, or another number: not proven.
    assert not await turn(seeded, identity.prove_by_phone, rules, TG, 999, "13175550100")
    assert not await turn(seeded, identity.prove_by_phone, rules, TG, TG, "13175550199")
    assert await turn(seeded, identity.prove_by_phone, rules, TG, TG, "13175550100")
    me = await turn(seeded, auth.current_member, rules, TG)
    assert me is not None and me.identity_proven and me.shown_email == "abbott@example.org"


async def test_a_proof_code_works_once_and_only_its_hash_is_kept(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    request = await turn(seeded, identity.request_proof_code, rules, TG)
    assert request.mail is not None and request.mail.to == "abbott@example.org"
    code = code_of(request.mail.text)
    async with seeded() as uow:
        stored = await uow.codes.get(ANN, CodePurpose.PROVE)
    assert stored is not None and code not in stored.code_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=15)
    check = await turn(seeded, identity.check_proof_code, rules, TG, code)
    assert check.outcome is CodeOutcome.OK
    me = await turn(seeded, auth.current_member, rules, TG)
    assert me is not None and me.identity_proven
    again = await turn(seeded, identity.check_proof_code, rules, TG, code)
    assert again.outcome is CodeOutcome.NO_CODE


async def test_a_new_request_replaces_the_old_code(seeded: UowFactory, rules: Rules) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    first = await turn(seeded, identity.request_proof_code, rules, TG)
    second = await turn(seeded, identity.request_proof_code, rules, TG)
    assert first.mail is not None and second.mail is not None
    old, new = code_of(first.mail.text), code_of(second.mail.text)
    if old != new:  # (one in a million: the same six digits drawn twice)
        wrong = await turn(seeded, identity.check_proof_code, rules, TG, old)
        assert wrong.outcome is CodeOutcome.WRONG
    ok = await turn(seeded, identity.check_proof_code, rules, TG, new)
    assert ok.outcome is CodeOutcome.OK


async def test_no_change_of_credentials_or_contact_before_the_proof(
    seeded: UowFactory, rules: Rules
) -> None:
    """The gate is in the use cases: each refuses with ProofNeededError and writes nothing
    (the refused turn commits, as the bot's does); once proven, the same calls work."""
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await turn(seeded, renewal.start_renewal, rules, TG, None)
    before = await load_member(seeded, ANN)
    refused = [
        (auth.verify_current_password, ("ABB100001",), {}),
        (auth.new_password_problem, ("a long own passphrase",), {}),
        (auth.change_password, ("ABB100001", "a long own passphrase"), {}),
        (auth.change_username, ("pat.abbott",), {}),
        (renewal.may_edit_contact, (), {}),
        (renewal.update_contact, (), {"email": "pat@new.example", "phone": "-"}),
    ]
    for use_case, args, kwargs in refused:
        with pytest.raises(ProofNeededError):
            await turn(seeded, use_case, rules, TG, *args, **kwargs)  # type: ignore[arg-type]
    after = await load_member(seeded, ANN)
    assert after == before and after.password_hash is None and after.username is None
    assert await turn(seeded, identity.prove_by_phone, rules, TG, TG, "13175550100")
    progress = await turn(seeded, renewal.update_contact, rules, TG, email="pat@new.example")
    assert progress.contact.email == "pat@new.example" and not progress.contact.masked
    assert await turn(seeded, auth.change_username, rules, TG, "pat.abbott") == "pat.abbott"
    await turn(seeded, auth.change_password, rules, TG, "ABB100001", "a long own passphrase")
    assert (await load_member(seeded, ANN)).password_hash is not None
