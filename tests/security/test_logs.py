"""No secrets or personal data in the logs of a full chat session, even at DEBUG."""

from __future__ import annotations

import logging

from bot.logging_setup import configure_logging
from tests.chat.conftest import ANN, ask, log_in, press, prove_identity, shows
from tests.security.test_credentials import NEW_PASSWORD


async def test_a_full_session_logs_no_password_email_phone_or_token(bot, emulator, capfd) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG")
    try:
        ann = emulator.new_user("Ann", "Lee")
        await log_in(ann, ANN)
        await prove_identity(ann)
        await ask(ann, "/password")
        await press(ann, "My password")
        await ask(ann, ANN[1])
        await ask(ann, NEW_PASSWORD)
        await ask(ann, NEW_PASSWORD)
        await ask(ann, "/renew")
        await press(ann, "Edit phone")
        await ask(ann, "+1 (317) 555-0199")
        await press(ann, "Edit email")
        await ask(ann, "ann.private@example.org")
        await press(ann, "Yes, correct")
        await press(ann, "Yes, it is current")
        await ask(ann, "30")
        await ask(ann, "15")
        await press(ann, "☐ I acknowledge")
        listing = await ask(ann, "/invoices")
        await ann.press(listing.buttons[0])
        await shows(ann, lambda m: "Selected total: $45.00" in m.text)
        invoice = await press(ann, "Add to cart")
        assert (await ann.pay(invoice)).approved
        await shows(ann, lambda m: m.file_id is not None)
        logging.getLogger("acsm.test").info("mail ann.private@example.org tel +1 (317) 555-0199")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    logged = capfd.readouterr().err
    assert "DEBUG" in logged and "mail a***@example.org tel <phone>" in logged
    assert "INSERT INTO" not in logged and "UPDATE members" not in logged  # no SQL, no params
    for secret in (
        NEW_PASSWORD,
        "ann.private@example.org",
        "ann.lee@example.com",
        "555-0199",
        "555 0100",
        emulator.token,
        emulator.token.split(":")[1],
    ):
        assert secret not in logged, secret
    assert ANN[1] not in logged.replace(f"{ANN[0]}", "")  # the default password
