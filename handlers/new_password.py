"""A new password typed twice (/password, and "Forgot password?" at login): the first typing
is kept in memory only, never in the database (a restart asks for it again), each message is
deleted, and the second must match the first."""

from __future__ import annotations

from telegram import Update

from domain.errors import DomainError
from handlers.context import ChatContext
from handlers.replies import typed_text

PENDING_NEW = "new_passwords"


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def pending_new(context: ChatContext) -> dict[int, str]:
    pending: dict[int, str] = context.bot_data.setdefault(PENDING_NEW, {})
    return pending


def forget_new(update: Update, context: ChatContext) -> None:
    pending_new(context).pop(telegram_id(update), None)


def refuse_new(update: Update, context: ChatContext, problem: DomainError) -> None:
    """The new password cannot be used: say why; the member types another."""
    forget_new(update, context)
    turn = context.turn
    another = turn.gettext("Type another new password, or /cancel.")
    turn.say(f"{turn.explain(problem)}\n{another}")


def keep_first_typing(update: Update, context: ChatContext, password: str) -> None:
    """The first typing passed the checks: kept, and the member asked to type it again."""
    pending_new(context)[telegram_id(update)] = password
    context.turn.say(
        context.turn.gettext("Type the same new password again, to be sure. I will delete it too.")
    )


def second_typing(update: Update, context: ChatContext) -> str | None:
    """The second typing (its message deleted): the new password when both agree; None
    after telling the member to type it anew (restarted since the first, or they differ).
    The first typing is read, not taken: the turn may run again after argon2 work
    (domain/slow_work.py); the caller forgets it once done (`forget_new`)."""
    again = typed_text(update)
    context.turn.delete_message()
    first = pending_new(context).get(telegram_id(update))
    if first is None:
        context.turn.say(
            context.turn.gettext("Please type your new password again (I was restarted).")
        )
        return None
    if again != first:
        forget_new(update, context)
        context.turn.say(
            context.turn.gettext("The two passwords differ. Type your new password again.")
        )
        return None
    return first
