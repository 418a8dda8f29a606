"""How easily a new password would be guessed: zxcvbn's estimate over its shipped frequency
lists (breached passwords, common words and names), in words a person can act on."""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

#: zxcvbn's scores run 0-4; 3 means "safely unguessable" against an online or throttled guesser.
MIN_SCORE = 3
#: zxcvbn's own bound: its matching grows quickly with length (a random 128 characters take
#: most of a second). The rest of a longer passphrase only adds to what is checked here.
CHECKED_LENGTH = 72
#: A password half made of entries from the breached-password list is one of them, padded.
COMMON_SHARE = 0.5
#: Words a guesser tries first on this site.
SITE_WORDS = ("fundtrail", "crowdfunding", "pledge", "campaign")


def guessability_problem(password: str, context: Iterable[str] = ()) -> str | None:
    """Why `password` would be guessed early, in words for the person; None if it would not.

    `context` holds what a guesser knows of the person (their name, their address), which
    zxcvbn then counts as a dictionary of its own.
    """
    start = password[:CHECKED_LENGTH]
    words = [*SITE_WORDS, *_context_words(context)]
    result = zxcvbn(start, user_inputs=words, max_length=CHECKED_LENGTH)
    common = sum(
        len(match["token"])
        for match in result["sequence"]
        if match["pattern"] == "dictionary" and match.get("dictionary_name") == "passwords"
    )
    if result["score"] >= MIN_SCORE and common < COMMON_SHARE * len(start):
        return None
    warning = result["feedback"]["warning"] or (
        "It is mostly made of passwords found in lists of breached passwords."
        if common >= COMMON_SHARE * len(start)
        else "It is a pattern or words a guesser tries early."
    )
    return f"is too easy to guess. {warning} Please choose a longer phrase of your own."


def _context_words(context: Iterable[str]) -> list[str]:
    """The person's name and address, and their parts (`ada.lovelace@example.test` → `ada`,
    `lovelace`, `example`), folded."""
    words: set[str] = set()
    for text in context:
        folded = text.strip().casefold()
        if not folded:
            continue
        words.add(folded)
        words.update(part for part in re.findall(r"\w+", folded) if len(part) >= 3)
    return sorted(words)
