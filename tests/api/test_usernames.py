"""Usernames are NFKC-normalised, and a username that could pass for another is refused."""

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "Ett-långt-lösen-2026"


def _fullwidth(text: str) -> str:
    """The same letters in their fullwidth forms (U+FF01 and on), as an East Asian keyboard
    may type them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _add(client, org, username):
    return client.post(
        f"/api/v1/organizations/{org.pk}/members/",
        {"username": username, "password": PASSWORD, "role": "officer"},
        format="json",
    )


def test_a_look_alike_of_a_colleague_is_refused(superuser, client_for, buyer, make_user):
    make_user("officer", buyer, username="officer1")
    root = client_for(superuser)
    cyrillic = _add(root, buyer, "\u043efficer1")  # CYRILLIC SMALL LETTER O, then "fficer1"
    assert cyrillic.status_code == 400
    error = cyrillic.json()["errors"][0]
    assert error["field"] == "/username" and error["code"] == "confusable"
    assert "CYRILLIC SMALL LETTER O" in error["message"]
    fullwidth = _add(root, buyer, _fullwidth("officer1"))  # NFKC: officer1, which is taken
    assert fullwidth.status_code == 400
    assert fullwidth.json()["errors"][0]["code"] == "unique"


def test_swedish_letters_are_welcome_and_stored_normalised(superuser, client_for, buyer):
    root = client_for(superuser)
    added = _add(root, buyer, "åsa.öberg")
    assert added.status_code == 201, added.content
    assert added.json()["username"] == "åsa.öberg"
    decomposed = _add(root, buyer, "bjo\u0308rn")  # o + combining diaeresis
    assert decomposed.status_code == 201, decomposed.content
    assert decomposed.json()["username"] == "björn"


def test_a_login_in_fullwidth_letters_is_the_same_username(superuser, client_for, buyer, client):
    assert _add(client_for(superuser), buyer, "greta").status_code == 201
    login = client.post(
        "/api/v1/auth/token/",
        {"username": _fullwidth("greta"), "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
