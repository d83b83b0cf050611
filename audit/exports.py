"""Exports of the audit trail: CSV, JSON Lines and XLSX, in constant memory.

Each generator reads the queryset as ``audit.selectors.EventRow`` blocks (``event_text_blocks``:
``values_list`` and ``iterator(chunk_size=2000)``) and yields text in blocks, so a streamed response's memory does
not grow with the number of rows. Exports come in chain order (chain, then sequence), oldest
first: the order in which a chain can be verified.

Every format carries every hashed field plus ``id``, ``organization_id`` and ``hash``, and
every one can be verified offline with ``python -m audit.verify FILE`` (it tells the formats
apart by the file).

- CSV is UTF-8 with a byte order mark (Excel then reads it as UTF-8); the header names the
  fields by their keys (``EVENT_FIELDS``). The separator follows the export's language: ``;``
  for Swedish (Excel with Swedish regional settings splits on it; ``,`` is the decimal
  comma there), ``,`` otherwise; ``delimiter`` (``DELIMITERS``) overrides it. ``created_at``
  is the exact UTC text that is hashed.
- JSON Lines: one object per line, ``data`` first and the other keys sorted.
- XLSX: one typed row per event (``XLSX_COLUMNS``): ``sequence`` a number, the time a real
  Excel date and time in ``settings.TIME_ZONE`` (Excel has no time zones: the column title
  names the zone) and, for verification, the exact UTC text in the last column. Titles are
  the model's field names in the export's language; the keys of the columns, in the same
  order, are the one row of a hidden sheet (``XLSX_KEYS_SHEET``), which is what the verifier
  reads the columns by.

``data`` is written as readable JSON (``readable_json``: "ä", not ``\\u00e4``). The hash is
taken over the canonical form of the parsed value (``audit.chain.canonical``), never over the
exported text, so the verifier parses ``data`` and recomputes the same hash whatever its
spacing or escapes. Text that a spreadsheet would run as a formula gets a leading apostrophe
in CSV (OWASP; a text that itself starts with an apostrophe gets one more, so the verifier
takes exactly one off) and is stored as text in XLSX.
"""

import csv
import datetime
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import IO, Any, cast

from django.db.models import Field
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit.models import AuditEvent
from audit.selectors import EVENT_FIELDS, EventRow, event_text_blocks, event_values

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/jsonl; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
# The CSV separators a caller may ask for (``?delimiter=``), by name.
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
BOM = "\ufeff"
# A spreadsheet would run text starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What gets the apostrophe in CSV: a formula, and a text already starting with an apostrophe
# (so that taking exactly one off gives back what was stored).
_QUOTED_START = (*_FORMULA_START, "'")
_QUOTED_FIRST = frozenset(_QUOTED_START)
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767
XLSX_KEYS_SHEET = "fields"
XLSX_LOCAL_TIME = "created_at_local"
# The XLSX columns by key: the event's fields in their order, with ``created_at`` as an Excel
# date and time in the local zone, and its exact UTC text (what is hashed) last.
XLSX_COLUMNS = (
    *(XLSX_LOCAL_TIME if name == "created_at" else name for name in EVENT_FIELDS),
    "created_at",
)
# Column widths in characters; a longer title widens its column.
XLSX_WIDTHS = {
    "id": 38,
    "chain": 38,
    "sequence": 10,
    XLSX_LOCAL_TIME: 22,
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
    "created_at": 30,
}
# The model field whose name titles a column.
_TITLE_FIELDS = {"actor_id": "actor"}


def delimiter_for(language: str | None, name: str | None = None) -> str:
    """The CSV separator: the one named (a key of ``DELIMITERS``), else ``;`` for Swedish and
    ``,`` for any other language."""
    if name:
        return DELIMITERS[name]
    swedish = (language or "").lower().replace("_", "-").split("-")[0] == "sv"
    return DELIMITERS["semicolon" if swedish else "comma"]


# A lone surrogate (``\ud800`` in JSON) cannot be written as UTF-8: JSON holding one stays
# escaped.
_SURROGATE = re.compile("[\ud800-\udfff]")


def readable_json(text: str) -> str:
    """``data`` as JSON a person can read: "ä", not ``\\u00e4`` (the database may keep it
    escaped). The same value, so the same canonical form and hash; control characters stay
    escaped (JSON requires it). Only a text with a ``\\u`` escape is parsed and written again."""
    if "\\u" not in text:
        return text
    readable = json.dumps(json.loads(text), ensure_ascii=False)
    return text if _SURROGATE.search(readable) else readable


# The texts a client chose (a spreadsheet formula could hide in them); the rest are ids, times,
# hashes and the JSON of ``data``, written by us.
TEXT_COLUMNS = ("actor_username", "action", "object_type", "object_id", "request_id")
_TEXT_INDEXES = tuple(EVENT_FIELDS.index(name) for name in TEXT_COLUMNS)
_DATA_INDEX = EVENT_FIELDS.index("data")


def _for_csv(row: EventRow) -> EventRow | list[Any]:
    """The row, with a leading apostrophe on a text a spreadsheet would run as a formula and
    ``data`` readable."""
    firsts = {
        row.actor_username[:1],
        row.action[:1],
        row.object_type[:1],
        row.object_id[:1],
        row.request_id[:1],
    }
    data = readable_json(row.data)
    if firsts.isdisjoint(_QUOTED_FIRST):
        return row if data is row.data else row._replace(data=data)
    values: list[Any] = list(row)
    values[_DATA_INDEX] = data
    for index in _TEXT_INDEXES:
        if values[index].startswith(_QUOTED_START):
            values[index] = "'" + values[index]
    return values


def csv_chunks(
    queryset, sealed: frozenset[str] = frozenset(), *, delimiter: str = ",", bom: bool = True
) -> Iterator[str]:
    """A byte order mark, a header row, then one row per event (``csv.writer``, ``delimiter``
    between the fields); ``data`` as readable JSON."""
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(EVENT_FIELDS)
    for block in event_text_blocks(queryset, sealed=sealed):
        writer.writerows(map(_for_csv, block))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue()


# A JSON line: ``data`` first, readable, then the other fields with their keys in sorted
# order, as ``canonical`` writes them (the dict is built in that order, so the encoder need not
# sort each one).
_LINE_FIELDS = tuple(sorted(name for name in EVENT_FIELDS if name != "data"))
_LINE_VALUES = itemgetter(*(EVENT_FIELDS.index(name) for name in _LINE_FIELDS))
_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _jsonl_line(row: EventRow) -> str:
    rest = _LINE_ENCODER.encode(dict(zip(_LINE_FIELDS, _LINE_VALUES(row), strict=True)))
    return '{"data":' + readable_json(row.data) + "," + rest[1:] + "\n"


def jsonl_chunks(queryset, sealed: frozenset[str] = frozenset()) -> Iterator[str]:
    """One JSON object per line: every hashed field, ``id``, ``organization_id``, ``hash``."""
    for block in event_text_blocks(queryset, sealed=sealed):
        yield "".join(map(_jsonl_line, block))


def xlsx_titles(zone_name: str) -> list[str]:
    """The column titles of ``XLSX_COLUMNS`` in the active language."""
    time = capfirst(_("time"))
    titles = []
    for key in XLSX_COLUMNS:
        if key == "id":
            titles.append("ID")
        elif key == XLSX_LOCAL_TIME:
            titles.append(f"{time} ({zone_name})")
        elif key == "created_at":
            titles.append(f"{time} (UTC, ISO 8601)")
        else:
            field = cast("Field", AuditEvent._meta.get_field(_TITLE_FIELDS.get(key, key)))
            titles.append(capfirst(str(field.verbose_name)))
    return titles


def _local_time(text: str, zone: datetime.tzinfo) -> datetime.datetime | None:
    """The hashed UTC text as a naive time in ``zone`` (Excel has no time zones)."""
    if not text:
        return None  # a redacted event
    return datetime.datetime.fromisoformat(text).astimezone(zone).replace(tzinfo=None)


def write_xlsx(
    queryset,
    target: IO[bytes],
    sealed: frozenset[str] = frozenset(),
    *,
    language: str | None = None,
) -> int:
    """Write the events into ``target`` as an XLSX workbook in write-only mode.

    A bold header row in ``language`` (the active one when None), the pane frozen below it,
    column widths a person can read; a new sheet after Excel's row limit; the hidden sheet of
    column keys last. Returns the number of events written.
    """

    zone = timezone.get_default_timezone()
    with translation.override(language or translation.get_language()):
        titles = xlsx_titles(timezone.get_default_timezone_name())
        sheet_title = capfirst(str(AuditEvent._meta.verbose_name_plural))[:25]
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def new_sheet(number: int):
        sheet = workbook.create_sheet(
            title=sheet_title if number == 1 else f"{sheet_title} {number}"
        )
        for index, (key, title) in enumerate(zip(XLSX_COLUMNS, titles, strict=True), start=1):
            width = max(XLSX_WIDTHS[key], len(title) + 2)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
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

    time_index = EVENT_FIELDS.index("created_at")
    sheets = 1
    sheet = new_sheet(sheets)
    rows_in_sheet = 1
    written = 0
    for values in event_values(queryset, sealed=sealed):
        if rows_in_sheet == XLSX_MAX_ROWS:
            sheets += 1
            sheet = new_sheet(sheets)
            rows_in_sheet = 1
        cells = [cell_value(sheet, v) for v in values._replace(data=readable_json(values.data))]
        cells[time_index] = _local_time(values.created_at, zone)
        cells.append(values.created_at)
        sheet.append(cells)
        rows_in_sheet += 1
        written += 1
    keys = workbook.create_sheet(title=XLSX_KEYS_SHEET)
    keys.sheet_state = "hidden"
    keys.append(list(XLSX_COLUMNS))
    workbook.save(target)
    return written


def file_chunks(handle: IO[bytes], size: int = 64 * 1024) -> Iterable[bytes]:
    try:
        while block := handle.read(size):
            yield block
    finally:
        handle.close()


def download(
    queryset,
    file_format: str,
    sealed: frozenset[str] = frozenset(),
    *,
    language: str | None = None,
    delimiter: str | None = None,
):
    """The export as an HTTP download (the API's and the admin's): CSV and JSONL streamed,
    XLSX assembled in a temporary file first (a ZIP's directory is written last) and then
    streamed from it; never stored in a shared cache. Events whose id is in ``sealed`` are
    redacted rows that keep their place and hashes (``audit.selectors.redacted``).

    ``language`` (the active one when None) titles the XLSX columns and picks the CSV
    separator, unless ``delimiter`` (a key of ``DELIMITERS``) names one."""

    language = language or translation.get_language()
    content_type, suffix = FORMATS[file_format]
    filename = f"audit-events-{timezone.now():%Y%m%dT%H%M%SZ}.{suffix}"
    response: FileResponse | StreamingHttpResponse
    if file_format == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_xlsx(queryset, handle, sealed, language=language)
        handle.seek(0)
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )
    else:
        chunks = (
            csv_chunks(queryset, sealed, delimiter=delimiter_for(language, delimiter))
            if file_format == "csv"
            else jsonl_chunks(queryset, sealed)
        )
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
