"""Use cases: one async function per thing a member (or the payment flow) does.

Each opens the unit of work itself, resolves the Telegram user's session, checks ownership and
commits.  See docs/design.md for the API.
"""
