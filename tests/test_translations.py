"""The message catalogues in locale/ are complete and current.

Every catalogue (today locale/sv/LC_MESSAGES/django.po) must have a translation for every
message, nothing fuzzy, the same placeholders as the English text, and a committed .mo that
says exactly what the .po says. Every text marked for translation in our code (gettext and
friends in Python, {% translate %} in templates, anywhere but what `make messages` skips)
must be in every catalogue. So a new untranslated message fails here: run `make messages`,
translate, commit the .po and the .mo.
"""

import ast
import gettext
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
# What `make messages` skips (the rest of the repository is ours and is scanned).
SKIPPED_PARTS = {".venv", "tests", "bench", "var", "locale", "migrations", "node_modules"}
# gettext functions: name -> (index of the context or None, index of the msgid, of the plural)
GETTEXT = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"context", "msgid", "plural", "msgstr": {index: text}, "flags"}.
    Obsolete entries (#~) are left out; the header is the entry with msgid ""."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"context": None, "msgid": None, "plural": None, "msgstr": {}, "flags": set()}
        parts: dict[str, list[str]] = {}
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts[current].append(line)
            else:
                keyword, _, rest = line.partition(" ")
                current = keyword
                parts[current] = [rest]
        if "msgid" not in parts:
            continue
        entry["msgid"] = _unquote(parts.pop("msgid"))
        if "msgctxt" in parts:
            entry["context"] = _unquote(parts.pop("msgctxt"))
        if "msgid_plural" in parts:
            entry["plural"] = _unquote(parts.pop("msgid_plural"))
        for keyword, lines in parts.items():
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            assert match, f"{path}: unexpected {keyword!r}"
            entry["msgstr"][int(match[1] or 0)] = _unquote(lines)
        entries.append(entry)
    return entries


def _key(context: str | None, msgid: str) -> str:
    return f"{context}\x04{msgid}" if context is not None else msgid


def _messages(path: Path) -> list[dict]:
    return [e for e in read_po(path) if e["msgid"] != ""]


def _ids(entry: dict) -> str:
    return repr(_key(entry["context"], entry["msgid"]))


@pytest.fixture(params=CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def catalogue(request) -> Path:
    return request.param


def test_there_is_a_swedish_catalogue():
    assert ROOT / "locale/sv/LC_MESSAGES/django.po" in CATALOGUES


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    header = next(e for e in read_po(catalogue) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "the header is marked fuzzy"
    untranslated = [
        _ids(e) for e in _messages(catalogue) if not all(e["msgstr"].values()) or not e["msgstr"]
    ]
    fuzzy = [_ids(e) for e in _messages(catalogue) if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in {catalogue.name}: {untranslated}"
    assert not fuzzy, f"fuzzy in {catalogue.name} (check, then remove the flag): {fuzzy}"


def test_translations_keep_the_placeholders(catalogue):
    """A translation names the same placeholders as its text. With plural forms, each form
    names only placeholders the singular or plural text has ("every month" / "every
    %(count)s months" may be "varje månad" / "var %(count)s:e månad"): ngettext fills them
    from one mapping, so a form may leave the count out but never add a name."""
    wrong = []
    for entry in _messages(catalogue):
        wanted = set(PLACEHOLDER.findall(entry["msgid"]))
        if entry["plural"] is None:
            for text in entry["msgstr"].values():
                if set(PLACEHOLDER.findall(text)) != wanted:
                    wrong.append((entry["msgid"], text))
            continue
        allowed = wanted | set(PLACEHOLDER.findall(entry["plural"]))
        for text in entry["msgstr"].values():
            if not set(PLACEHOLDER.findall(text)) <= allowed:
                wrong.append((entry["msgid"], text))
    assert not wrong, wrong


def test_the_compiled_catalogue_matches_the_po(catalogue):
    mo = catalogue.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header
    expected = {}
    for entry in _messages(catalogue):
        key = _key(entry["context"], entry["msgid"])
        if entry["plural"] is None:
            expected[key] = entry["msgstr"][0]
        else:
            for index, text in entry["msgstr"].items():
                expected[(key, index)] = text
    assert compiled == expected, (
        f"{mo.relative_to(ROOT)} does not match the .po: run `make messages` and commit both"
    )


def _our_files(suffix: str):
    """Our files ending in ``suffix``; skipped and hidden directories are not entered."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [
            d for d in subdirectories if d not in SKIPPED_PARTS and not d.startswith(".")
        ]
        for name in files:
            if name.endswith(suffix):
                yield Path(directory) / name


def _python_messages() -> set[str]:
    """Every literal text given to a gettext function in our Python code."""
    found = set()
    for path in _our_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in GETTEXT:
                continue
            context_at, msgid_at, _plural_at = GETTEXT[name]
            args = node.args
            literal = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args]
            if len(args) <= msgid_at or not literal[msgid_at]:
                continue
            if context_at is not None and not literal[context_at]:
                continue
            context = args[context_at].value if context_at is not None else None
            found.add(_key(context, args[msgid_at].value))
    return found


def _template_messages() -> set[str]:
    """Texts of simple {% translate "..." %} tags (blocktranslate is left to makemessages)."""
    tag = re.compile(
        r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<text>.*?)(?P=q)"""
        r"""(?:\s+context\s+(?P<cq>["'])(?P<context>.*?)(?P=cq))?"""
    )
    found = set()
    for path in _our_files(".html"):
        for match in tag.finditer(path.read_text(encoding="utf-8")):
            found.add(_key(match["context"], match["text"]))
    return found


def test_every_marked_text_is_in_the_catalogue(catalogue):
    known = {_key(e["context"], e["msgid"]) for e in _messages(catalogue)}
    marked = _python_messages() | _template_messages()
    assert len(marked) > 100  # the scan itself works
    missing = sorted(marked - known)
    assert not missing, (
        f"not in {catalogue.relative_to(ROOT)}: run `make messages` and translate: {missing}"
    )
