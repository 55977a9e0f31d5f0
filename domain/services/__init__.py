"""Use cases: one async function per thing a member (or the payment flow) does.

Each gets its unit of work open, inside a transaction it does not own: a Telegram update's turn
(bot/turns.py) commits once after the handlers, even when a use case refused with a
DomainError, so a use case checks before it writes. Use cases run outside an update, one or
several transactions in a row (imports, the audit draw, the reminder steps), take a
UnitOfWorkFactory and open `async with units() as uow:` per transaction; its end commits.
None commits or rolls back itself. See docs/design.md for the API.
"""
