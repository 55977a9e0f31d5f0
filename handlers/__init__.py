"""python-telegram-bot handlers: parse the update, call one use case, render the answer."""
