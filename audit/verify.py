"""Verify an export of the audit trail offline, without Django or a database.

    python -m audit.verify EXPORT [--segment] [--json] [--format jsonl|csv|xlsx]

Reads every format the exports write (``audit.exports``), telling them apart by the file (a
ZIP is XLSX; else a name ending in ``.jsonl`` or ``.csv`` decides; else a first character
``{`` means JSON Lines and anything else CSV), or as ``--format`` says:

- JSON Lines: one event per line;
- CSV: UTF-8 with or without a byte order mark, ``,``, ``;`` or tab between the fields (the
  header row, the fields' keys, shows which); an apostrophe the export put before a text a
  spreadsheet would run as a formula is taken off again;
- XLSX: the columns are read by the keys in the hidden sheet ``fields`` (the titles above the
  columns are in the export's language); ``created_at`` is the exact UTC text in the last
  column, not the Excel time, which has no zone and only milliseconds. An older workbook
  titled its columns by key: then the title row is read as the keys.

``data`` may be written readable ("ä") or escaped (``\\u00e4``): it is parsed, and the hash is
taken over its canonical JSON (``audit.chain``), as when it was recorded. CSV and JSON Lines
are read row by row (constant memory), XLSX as openpyxl's read-only mode reads it.

Recomputes every event's SHA-256 over its canonical JSON including the previous hash, and
checks the links. Prints the result and exits 0 when the chain is intact, 1 when it is not, 2
when the file cannot be read.

A complete export starts each chain at sequence 1 (the genesis link). ``--segment`` accepts
exports filtered by time (``since``/``until``): each chain's first event is taken as the
anchor. The last sequence and hash printed for each chain can be compared with a milestone
event's ``chain_head`` or with a chain head the auditor noted earlier.
"""

import argparse
import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from audit.chain import HASHED_FIELDS, verify_events

FORMATS = ("jsonl", "csv", "xlsx")
# The columns a tabular export must have: what is hashed, and the hash.
REQUIRED_COLUMNS = (*HASHED_FIELDS, "hash")
# Ids that an export writes as an empty cell when there is none.
ID_FIELDS = ("id", "organization_id", "actor_id", "tender_id")
# The texts that CSV exports give a leading apostrophe when a spreadsheet would run them as a
# formula, or when they start with one (audit.exports.TEXT_COLUMNS).
CSV_QUOTED_FIELDS = ("actor_username", "action", "object_type", "object_id", "request_id")
CSV_DELIMITERS = (",", ";", "\t")
XLSX_KEYS_SHEET = "fields"  # audit.exports.XLSX_KEYS_SHEET
XLSX_MAX_CELL = 32_767
XLSX_NOTE = (
    "; this row's text was changed to fit an Excel cell (a control character replaced by "
    "U+FFFD, or a text cut at 32,767 characters): verify the JSON Lines export instead"
)


class UnreadableExport(Exception):
    pass


def read_events(handle) -> Iterator[dict[str, Any]]:
    """The events of a JSON Lines export."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableExport(f"line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(event, dict) or "sequence" not in event or "hash" not in event:
            raise UnreadableExport(f"line {number} is not an audit event")
        yield event


def _check_columns(columns: Sequence[Any], where: str) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UnreadableExport(f"{where} lacks the columns {', '.join(missing)}")


def _event(values: dict[str, Any], where: str, *, unquote: bool) -> dict[str, Any]:
    """A row of a table as the event that was hashed: ids None when empty, the sequence a
    number, ``data`` parsed, every other field text; with ``unquote`` (CSV) the apostrophe
    before a text taken off."""
    event: dict[str, Any] = {}
    for name, value in values.items():
        if name in ID_FIELDS:
            event[name] = str(value) if value not in (None, "") else None
        elif name == "sequence":
            try:
                event[name] = int(value)
            except (TypeError, ValueError):
                raise UnreadableExport(f"{where}: the sequence is not a number") from None
        elif name == "data":
            try:
                event[name] = json.loads(value)
            except (TypeError, json.JSONDecodeError):
                raise UnreadableExport(f"{where}: data is not JSON") from None
        else:
            text = "" if value is None else str(value)
            if unquote and name in CSV_QUOTED_FIELDS and text.startswith("'"):
                text = text[1:]
            event[name] = text
    return event


def read_csv_events(handle) -> Iterator[dict[str, Any]]:
    """The events of a CSV export (``handle`` opened with ``newline=""``; a byte order mark
    is skipped by the ``utf-8-sig`` encoding). The header row tells the separator."""
    first = handle.readline()
    if not first.strip():
        return
    for delimiter in CSV_DELIMITERS:
        header = next(csv.reader([first], delimiter=delimiter))
        if all(name in header for name in REQUIRED_COLUMNS):
            break
    else:
        raise UnreadableExport(
            "the first row is not a header of an audit export "
            f"(it needs {', '.join(REQUIRED_COLUMNS)})"
        )
    reader = csv.reader(handle, delimiter=delimiter)
    for row in reader:
        where = f"row {reader.line_num + 1}"
        if not row:
            continue
        if len(row) != len(header):
            raise UnreadableExport(
                f"{where} has {len(row)} fields, the header {len(header)}: not an audit event"
            )
        yield _event(dict(zip(header, row, strict=True)), where, unquote=True)


def _altered_for_excel(values: Iterable[Any]) -> bool:
    return any(
        isinstance(value, str)
        and ("\ufffd" in value or (len(value) == XLSX_MAX_CELL and value.endswith("\u2026")))
        for value in values
    )


def read_xlsx_events(workbook, altered: set | None = None) -> Iterator[dict[str, Any]]:
    """The events of an XLSX export (an openpyxl workbook), sheet after sheet, the hidden
    sheet of keys aside. The (chain, sequence) of a row holding a text changed to fit an Excel
    cell goes into ``altered``: its hash cannot match."""
    keys: tuple[Any, ...] | None = None
    sheets = []
    for sheet in workbook.worksheets:
        if sheet.title == XLSX_KEYS_SHEET:
            keys = next(sheet.iter_rows(values_only=True), ())
        else:
            sheets.append(sheet)
    for sheet in sheets:
        rows = sheet.iter_rows(values_only=True)
        titles = next(rows, None)
        if titles is None:
            continue
        columns = keys if keys is not None else titles  # an older export: titled by key
        _check_columns(columns, f"sheet {sheet.title!r}")
        width = len(columns)
        for number, row in enumerate(rows, start=2):
            if not any(value not in (None, "") for value in row):
                continue
            where = f"sheet {sheet.title!r} row {number}"
            cells = (*row[:width], *(None,) * (width - len(row)))  # a row ends at its last value
            values = {
                name: value for name, value in zip(columns, cells, strict=True) if name is not None
            }
            if _altered_for_excel(cells):
                if altered is not None:
                    altered.add((values.get("chain"), values.get("sequence")))
                data = values.get("data")
                if isinstance(data, str) and data.endswith("\u2026"):
                    raise UnreadableExport(
                        f"{where}: data was cut to fit an Excel cell; verify the JSON Lines "
                        "export instead"
                    )
            yield _event(values, where, unquote=False)


_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "csv"}


def detect_format(path: str) -> str:
    """``xlsx`` for a ZIP; else what the file's name says (``.jsonl``, ``.csv``); else
    ``jsonl`` for text starting with ``{`` and ``csv`` for any other."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = os.path.splitext(path)[1].lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    return "jsonl" if not text or text.startswith("{") else "csv"


@contextlib.contextmanager
def open_events(path: str, file_format: str | None = None, altered: set | None = None):
    """The events of the export at ``path`` (its format recognised when None)."""
    file_format = file_format or detect_format(path)
    if file_format == "xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415 - only XLSX needs it

        # A file object: openpyxl would refuse a path whose name does not end in .xlsx.
        with open(path, "rb") as handle:
            try:
                workbook = load_workbook(handle, read_only=True)
            except Exception as exc:  # a ZIP that is not a workbook, openpyxl's own errors
                raise UnreadableExport(f"not an XLSX workbook: {exc}") from exc
            try:
                yield read_xlsx_events(workbook, altered)
            finally:
                workbook.close()
        return
    newline = "" if file_format == "csv" else None
    with open(path, encoding="utf-8-sig", newline=newline) as handle:
        yield read_csv_events(handle) if file_format == "csv" else read_events(handle)


def verify_file(
    path: str, *, segment: bool = False, file_format: str | None = None
) -> dict[str, Any]:
    altered: set = set()
    with open_events(path, file_format, altered) as events:
        result = verify_events(events, from_genesis=not segment)
    bad = result.get("first_invalid")
    if bad and bad["reason"] == "changed content" and (bad["chain"], bad["sequence"]) in altered:
        bad["detail"] += XLSX_NOTE
    return result


def _describe(result: dict[str, Any]) -> str:
    if result["valid"]:
        lines = [f"VALID: {result['events_checked']} events checked, every link intact."]
        for chain in result.get("chains", []):
            lines.append(
                f"  chain {chain['chain']}: sequences {chain['first_sequence']}.."
                f"{chain['last_sequence']}, last hash {chain['last_hash']}"
            )
        return "\n".join(lines)
    bad = result["first_invalid"]
    return (
        f"INVALID: {bad['reason']} at chain {bad['chain']} sequence {bad['sequence']}"
        f"{' (event ' + bad['id'] + ')' if bad.get('id') else ''}: {bad.get('detail', '')}\n"
        f"  {result['events_checked']} events checked."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description="Verify an audit trail export: JSON Lines, CSV or XLSX.",
    )
    parser.add_argument("file", help="the export (.jsonl, .csv or .xlsx)")
    parser.add_argument(
        "--segment",
        action="store_true",
        help="the export is filtered by time: anchor each chain at its first event",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="the file's format (default: recognised from its content)",
    )
    args = parser.parse_args(argv)
    try:
        result = verify_file(args.file, segment=args.segment, file_format=args.format)
    except (OSError, UnicodeDecodeError, UnreadableExport, KeyError, csv.Error) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else _describe(result))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
