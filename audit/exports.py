"""Exports of the audit trail: CSV, JSON Lines and XLSX, in constant memory.

Each generator reads the queryset as ``audit.selectors.EventRow`` blocks (``event_text_blocks``:
``values_list`` and ``iterator(chunk_size=2000)``) and yields text in blocks, so a streamed response's memory does
not grow with the number of rows. Exports come in chain order (chain, then sequence), oldest
first: the order in which a chain can be verified.

JSON Lines carry every hashed field plus ``id``, ``organization_id`` and ``hash``: the file can
be verified offline with ``python -m audit.verify FILE``. ``data`` is written as stored (valid
JSON; the verifier hashes its canonical form). Text that a spreadsheet would run as a formula
gets a leading apostrophe in CSV (OWASP) and is stored as text in XLSX.
"""

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit.selectors import EVENT_FIELDS, EventRow, event_text_blocks, event_values

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/jsonl; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
# A spreadsheet would run text starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767
XLSX_WIDTHS = {
    "id": 38,
    "chain": 38,
    "sequence": 10,
    "created_at": 28,
    "organization_id": 38,
    "actor_id": 38,
    "actor_username": 20,
    "actor_role": 12,
    "action": 30,
    "object_type": 18,
    "object_id": 38,
    "tender_id": 38,
    "data": 80,
    "request_id": 34,
    "client_address": 16,
    "prev_hash": 66,
    "hash": 66,
}


# The texts a client chose (a spreadsheet formula could hide in them); the rest are ids, times,
# hashes and the JSON of ``data``, written by us.
_TEXT_COLUMNS = tuple(
    EVENT_FIELDS.index(name)
    for name in ("actor_username", "action", "object_type", "object_id", "request_id")
)


def _defused(row: EventRow) -> EventRow | list[Any]:
    """The row, with a leading apostrophe on a text a spreadsheet would run as a formula."""
    firsts = {
        row.actor_username[:1],
        row.action[:1],
        row.object_type[:1],
        row.object_id[:1],
        row.request_id[:1],
    }
    if firsts.isdisjoint(_FORMULA_FIRST):
        return row
    values: list[Any] = list(row)
    for index in _TEXT_COLUMNS:
        if values[index].startswith(_FORMULA_START):
            values[index] = "'" + values[index]
    return values


def csv_chunks(queryset, sealed: frozenset[str] = frozenset()) -> Iterator[str]:
    """A header row, then one row per event (``csv.writer``); ``data`` as the stored JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EVENT_FIELDS)
    for block in event_text_blocks(queryset, sealed=sealed):
        writer.writerows(map(_defused, block))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue()


# A JSON line: ``data`` first, as stored, then the other fields with their keys in sorted
# order, as ``canonical`` writes them (the dict is built in that order, so the encoder need not
# sort each one).
_LINE_FIELDS = tuple(sorted(name for name in EVENT_FIELDS if name != "data"))
_LINE_VALUES = itemgetter(*(EVENT_FIELDS.index(name) for name in _LINE_FIELDS))
_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _jsonl_line(row: EventRow) -> str:
    rest = _LINE_ENCODER.encode(dict(zip(_LINE_FIELDS, _LINE_VALUES(row), strict=True)))
    return '{"data":' + row.data + "," + rest[1:] + "\n"


def jsonl_chunks(queryset, sealed: frozenset[str] = frozenset()) -> Iterator[str]:
    """One JSON object per line: every hashed field, ``id``, ``organization_id``, ``hash``."""
    for block in event_text_blocks(queryset, sealed=sealed):
        yield "".join(map(_jsonl_line, block))


def write_xlsx(queryset, target: IO[bytes], sealed: frozenset[str] = frozenset()) -> int:
    """Write the events into ``target`` as an XLSX workbook in write-only mode.

    A bold header row, the pane frozen below it, column widths a person can read; a new sheet
    after Excel's row limit. Returns the number of events written.
    """

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def new_sheet(number: int):
        sheet = workbook.create_sheet(
            title="audit events" if number == 1 else f"audit events {number}"
        )
        for index, name in enumerate(EVENT_FIELDS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS[name]
        sheet.freeze_panes = "A2"
        header = []
        for name in EVENT_FIELDS:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        return sheet

    def cell_value(sheet, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[: XLSX_MAX_CELL - 1] + "\u2026"
        if value.startswith("="):
            # Text, never a formula.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    sheets = 1
    sheet = new_sheet(sheets)
    rows_in_sheet = 1
    written = 0
    for values in event_values(queryset, sealed=sealed):
        if rows_in_sheet == XLSX_MAX_ROWS:
            sheets += 1
            sheet = new_sheet(sheets)
            rows_in_sheet = 1
        sheet.append([cell_value(sheet, v) for v in values])
        rows_in_sheet += 1
        written += 1
    workbook.save(target)
    return written


def file_chunks(handle: IO[bytes], size: int = 64 * 1024) -> Iterable[bytes]:
    try:
        while block := handle.read(size):
            yield block
    finally:
        handle.close()


def download(queryset, file_format: str, sealed: frozenset[str] = frozenset()):
    """The export as an HTTP download (the API's and the admin's): CSV and JSONL streamed,
    XLSX assembled in a temporary file first (a ZIP's directory is written last) and then
    streamed from it; never stored in a shared cache. Events whose id is in ``sealed`` are
    redacted rows that keep their place and hashes (``audit.selectors.redacted``)."""

    content_type, suffix = FORMATS[file_format]
    filename = f"audit-events-{timezone.now():%Y%m%dT%H%M%SZ}.{suffix}"
    response: FileResponse | StreamingHttpResponse
    if file_format == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_xlsx(queryset, handle, sealed)
        handle.seek(0)
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )
    else:
        chunks = (
            csv_chunks(queryset, sealed) if file_format == "csv" else jsonl_chunks(queryset, sealed)
        )
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
