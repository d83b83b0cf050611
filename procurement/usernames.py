"""Usernames: NFKC-normalised, and refused when they could pass for another.

``officer1`` typed in fullwidth letters is NFKC-normalised to ``officer1`` before it is stored
or looked up, so it is the same username. ``officer1`` with a Cyrillic o (U+043E) looks the
same but is not the same text: a username may only hold Latin letters (å, ä, ö, é and the other
accented ones included), digits and ``. @ + - _``, so that no username can pass for a
colleague's in a list, an audit event or an e-mail.
"""

import unicodedata

ALLOWED_MARKS = frozenset(".@+-_")


def normalized(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip()


def foreign_characters(username: str) -> list[str]:
    """The characters that may not stand in a username (after NFKC), each once, in order."""
    found: list[str] = []
    for char in normalized(username):
        if char in found:
            continue
        if char.isascii() and (char.isalnum() or char in ALLOWED_MARKS):
            continue
        if char.isalpha() and unicodedata.name(char, "").startswith("LATIN "):
            continue
        found.append(char)
    return found


def describe(char: str) -> str:
    return f"'{char}' ({unicodedata.name(char, f'U+{ord(char):04X}')})"
