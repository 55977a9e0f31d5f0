"""Proving who you are before a change (handlers/proof.py): after a login with the default
credentials (printed on ACSM records) no change of password, username or contact details
until the member proves who they are, by a code emailed to the address on file (a real
SMTP server) or by sharing their own Telegram phone number; until then the email and phone
on file are shown masked."""

from __future__ import annotations

from tests.chat.conftest import (
    ANN,
    SAMPLE_PHONE,
    ChatBot,
    ask,
    log_in,
    press,
    prove_identity,
)

ANN_EMAIL = "ann.lee@example.com"
NEW_PASSWORD = "a sentence of my own choosing"
TELEGRAM_PHONE = "13175550100"  # Ann's Telegram account's number, as Telegram shares it


async def change_password(user, old: str = ANN[1], new: str = NEW_PASSWORD) -> str:
    assert "What would you like to change?" in (await ask(user, "/password")).text
    await press(user, "My password")
    assert "new password" in (await ask(user, old)).text
    await ask(user, new)
    return (await ask(user, new)).text


async def password_hash(bot: ChatBot) -> str | None:
    async with bot.database.unit_of_work() as uow:
        member = await uow.members.get("100001")
        assert member is not None
        return member.password_hash


async def test_default_login_cannot_change_the_password_until_proven(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    await log_in(ann, ANN)
    refused = await ask(ann, "/password")
    assert "First prove who you are" in refused.text
    assert "Email me a code" not in refused.buttons  # no SMTP_URL: no code by email
    offer = await ann.next_message()
    assert [[b["text"] for b in row] for row in ann.reply_keyboard] == [["Share my phone number"]]
    assert ann.reply_keyboard[0][0]["request_contact"] is True
    assert "Share my phone number" in offer.text
    # Typing the current password anyway is not taken for one: no conversation is waiting.
    assert "new password" not in (await ask(ann, ANN[1])).text
    assert await password_hash(bot) is None
    # The proof: Telegram's "share my phone number", the number on file.
    await ann.press_keyboard("Share my phone number")
    proven = await ann.next_message()
    assert "you have proven who you are" in proven.text
    assert ann.reply_keyboard == []  # removed
    assert "Your password is changed" in await change_password(ann)
    assert await password_hash(bot) is not None


async def test_proof_by_an_emailed_code_then_password_changes(bot, emulator, mail) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    await log_in(ann, ANN)
    refused = await ask(ann, "/password")
    assert "First prove who you are" in refused.text and "Email me a code" in refused.buttons
    await ann.next_message()  # the reply keyboard's message
    sent = await press(ann, "Email me a code")
    assert "a***@e***.com" in sent.text and ANN_EMAIL not in sent.text  # masked
    code = mail.last_code(ANN_EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "4 tries left" in (await ask(ann, wrong)).text
    assert "Your password is changed" not in (await ask(ann, "/password")).text  # still refused
    await ann.next_message()
    await press(ann, "Email me a code")
    code = mail.last_code(ANN_EMAIL)
    proven = await ask(ann, code)
    assert "you have proven who you are" in proven.text
    assert proven.reply_markup == {"remove_keyboard": True}
    # The offer's button, pressed again once proven, says so and sends nothing.
    assert len(mail.to(ANN_EMAIL)) == 2
    assert "already proven" in (await press(ann, "Email me a code")).text
    assert len(mail.to(ANN_EMAIL)) == 2
    assert "Your password is changed" in await change_password(ann)
    # The default password no longer logs in; the new one does.
    await ask(ann, "/logout")
    assert "Wrong username or password" in (await log_in(ann, ANN)).text
    await ask(ann, "/cancel")
    assert "Welcome, Ann Lee" in (await log_in(ann, (ANN[0], NEW_PASSWORD))).text


async def test_someone_elses_contact_or_another_number_is_refused(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    mallory = emulator.new_user("Mallory", phone_number="+1 317 555 0142")
    await log_in(ann, ANN)
    await ask(ann, "/password")
    await ann.next_message()
    # A contact from the address book: Ann's number, but not her own Telegram account's.
    await ann.share_contact(SAMPLE_PHONE, first_name="Mallory", user_id=mallory.id)
    assert "not your own contact" in (await ann.next_message()).text
    await ann.share_contact(SAMPLE_PHONE, first_name="Ann", user_id=None)
    assert "not your own contact" in (await ann.next_message()).text
    # Her own account, but a number other than the one on file.
    await ann.share_contact("+1 317 555 0199")
    other = await ann.next_message()
    assert "not the one ACSM has on file" in other.text
    assert "First prove who you are" in (await ask(ann, "/password")).text
    assert await password_hash(bot) is None
    # Mallory, logged in with Ann's printed credentials, sees her contact details masked.
    await log_in(mallory, ANN)
    contact = await ask(mallory, "/renew")
    assert ANN_EMAIL not in contact.text and "0100" in contact.text and "555" not in contact.text


async def test_username_change_needs_the_proof_too(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    await log_in(ann, ANN)
    assert "First prove who you are" in (await ask(ann, "/password")).text
    await prove_identity(ann)
    await ask(ann, "/password")
    await press(ann, "My username")
    assert "ann.lee" in (await ask(ann, "Ann.Lee")).text


async def test_contact_details_masked_until_proven_and_editable_after(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    await log_in(ann, ANN)
    contact = await ask(ann, "/renew")
    assert "Email: a***@e***.com" in contact.text and "Phone: ***-***-0100" in contact.text
    assert ANN_EMAIL not in contact.text and "Partly hidden" in contact.text
    refused = await press(ann, "Edit email")
    assert "First prove who you are" in refused.text
    await ann.next_message()
    await ann.press_keyboard("Share my phone number")
    assert "you have proven who you are" in (await ann.next_message()).text
    # Still at the renewal's contact step: the same buttons work now.
    assert "Type your email" in (await press(ann, "Edit email")).text
    updated = await ask(ann, "ann@newmail.org")
    assert "Email: ann@newmail.org" in updated.text
    assert "Phone: +1 317 555 0100" in updated.text and "Partly hidden" not in updated.text


async def test_a_member_with_their_own_password_needs_no_proof(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee", phone_number=TELEGRAM_PHONE)
    await log_in(ann, ANN)
    await prove_identity(ann)
    await change_password(ann)
    await ask(ann, "/logout")
    laptop = emulator.new_user("Ann", "Lee")
    await log_in(laptop, (ANN[0], NEW_PASSWORD))
    contact = await ask(laptop, "/renew")
    assert ANN_EMAIL in contact.text and "Partly hidden" not in contact.text
    await ask(laptop, "/cancel")
    assert "What would you like to change?" in (await ask(laptop, "/password")).text
