"""Long answers in pages that each fit one Telegram message and are each valid HTML.

An answer is a list of `Line`s (each a whole line of HTML: tags never span two lines). Pages
are cut between lines, never inside one, so a tag or an `&amp;` is never split. A line that
starts a page in the middle of a section brings the section's headings along (`context`),
so every page reads on its own. Lengths are measured on the HTML itself in UTF-16 code units
(what Telegram counts), which is at least what Telegram counts after parsing it: a page
that fits here fits there.

Pages are cut the same way every time for the same lines, so a page number in a button is
enough to draw that page again (the data behind it is read afresh at each press).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


def units(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Line:
    """One line of an answer.

    `button`: an action on this line's entry (label, callback data), shown with the page
    that holds the line. `context`: the headings to repeat (worded as continued) when a page
    starts with this line. `heading`: kept with the line after it (a page never ends on it
    but the last); a heading has no button.
    """

    text: str
    button: tuple[str, str] | None = None
    context: tuple[str, ...] = field(default=())
    heading: bool = False


def paginate(lines: Sequence[Line], *, room: int, buttons_per_page: int) -> list[list[Line]]:
    """Cut `lines` into pages of at most `room` units (joined with line breaks, repeated
    headings included) and at most `buttons_per_page` lines with a button. A page never
    starts nor ends with an empty line, and never ends with a heading. A single line longer
    than `room` is not cut: callers keep their lines well under it."""
    pages: list[list[Line]] = []
    page: list[Line] = []
    buttons = 0
    for line in lines:
        if not page and not line.text:
            continue
        too_long = page and size_of([*page, line]) > room
        too_many = line.button is not None and buttons >= buttons_per_page
        if page and (too_long or too_many):
            carried: list[Line] = []  # the headings (and blank lines) the page ends with
            while len(page) > 1 and (page[-1].heading or not page[-1].text):
                carried.insert(0, page.pop())
            while carried and not carried[0].text:
                carried.pop(0)
            pages.append(_trimmed(page))
            first = carried[0] if carried else line
            page = [Line(text, heading=True) for text in first.context] + carried
            buttons = sum(line.button is not None for line in carried)
        page.append(line)
        buttons += line.button is not None
    if page:
        pages.append(_trimmed(page))
    return [p for p in pages if p] or [[]]


def size_of(page: Sequence[Line]) -> int:
    return units(page_text(page))


def _trimmed(page: list[Line]) -> list[Line]:
    while page and not page[-1].text:
        page.pop()
    return page


def page_text(page: Sequence[Line]) -> str:
    return "\n".join(line.text for line in page)
