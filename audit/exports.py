"""Exports of the audit trail: CSV, JSON Lines and XLSX, in constant memory.

Each generator reads the queryset through ``audit.selectors.event_rows`` (``values_list`` and
``iterator(chunk_size=2000)``) and yields text in blocks, so a streamed response's memory does
not grow with the number of rows. Exports come in chain order (chain, then sequence), oldest
first: the order in which a chain can be verified.

JSON Lines carry every hashed field plus ``id``, ``organization_id`` and ``hash``: the file can
be verified offline with ``python -m audit.verify FILE``. ``data`` is written as stored (valid
JSON; the verifier hashes its canonical form). Text that a spreadsheet would run as a formula
gets a leading apostrophe in CSV (OWASP) and is stored as text in XLSX.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from audit.chain import canonical
from audit.selectors import EVENT_FIELDS, event_text_blocks, event_values

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/jsonl; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
BLOCK_ROWS = 1000
# A spreadsheet would run text starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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


_TEXT_COLUMNS = tuple(
    i
    for i, name in enumerate(EVENT_FIELDS)
    if name in ("actor_username", "object_type", "object_id", "action", "request_id")
)


def _defused(values: list[Any]) -> list[Any]:
    for index in _TEXT_COLUMNS:
        value = values[index]
        if value and value.startswith(_FORMULA_START):
            values[index] = "'" + value
    return values


def _csv_row(writer: Any, buffer: io.StringIO, values: tuple) -> str:
    """One row through ``csv.writer``: the reference for the fast path in ``csv_chunks``."""
    writer.writerow(_defused(list(values)))
    line = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return line


def csv_chunks(queryset) -> Iterator[str]:
    """A header row, then one row per event; ``data`` as the stored JSON text.

    Most rows need no quoting but ``data``'s and no formula defused: they are joined here as
    ``csv.writer`` would write them. A row with a quote, comma, line break or tab in another
    text, or a defused text starting with ``= + - @``, goes through ``csv.writer`` itself.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ",".join(EVENT_FIELDS) + "\r\n"
    formula = frozenset(_FORMULA_START)
    for block in event_text_blocks(queryset):
        lines = [header] if header else []
        header = ""
        append = lines.append
        for values in block:
            (
                event_id,
                chain,
                sequence,
                created_at,
                organization_id,
                actor_id,
                actor_username,
                actor_role,
                action,
                object_type,
                object_id,
                tender_id,
                data,
                request_id,
                client_address,
                prev_hash,
                digest,
            ) = values
            try:
                text = "".join(
                    (
                        event_id,
                        chain,
                        created_at,
                        organization_id or "",
                        actor_id or "",
                        actor_username,
                        actor_role,
                        action,
                        object_type,
                        object_id,
                        tender_id or "",
                        request_id,
                        client_address,
                        prev_hash,
                        digest,
                    )
                )
                plain = not (
                    '"' in text
                    or "," in text
                    or "\n" in text
                    or "\r" in text
                    or "\t" in text
                    or actor_username[:1] in formula
                    or object_type[:1] in formula
                    or object_id[:1] in formula
                    or action[:1] in formula
                    or request_id[:1] in formula
                    or sequence.__class__ is not int
                )
            except TypeError:  # a None where text is expected
                plain = False
            if not plain:
                append(_csv_row(writer, buffer, values))
                continue
            if '"' in data:
                data = '"' + data.replace('"', '""') + '"'
            elif "," in data or "\n" in data or "\r" in data:
                data = '"' + data + '"'
            append(
                ",".join(
                    (
                        event_id,
                        chain,
                        str(sequence),
                        created_at,
                        organization_id or "",
                        actor_id or "",
                        actor_username,
                        actor_role,
                        action,
                        object_type,
                        object_id,
                        tender_id or "",
                        data,
                        request_id,
                        client_address,
                        prev_hash,
                        digest + "\r\n",
                    )
                )
            )
        yield "".join(lines)
    if header:  # no rows
        yield header


def _jsonl_line(values: tuple) -> str:
    """One line through ``canonical``: the reference for the fast path in ``jsonl_chunks``."""
    event = dict(zip(EVENT_FIELDS, values, strict=True))
    data = event.pop("data")
    return '{"data":' + data + "," + canonical(event)[1:] + "\n"


# Bytes that JSON escapes (ensure_ascii=False): control characters, quote, backslash.
_JSON_ESCAPED = bytes(range(0x20)) + b'"\\'


def jsonl_chunks(queryset) -> Iterator[str]:
    """One JSON object per line: every hashed field, ``id``, ``organization_id``, ``hash``.

    ``data`` is spliced in as the stored JSON text (first key); the other keys follow sorted,
    as ``canonical`` writes them. Texts without a quote, backslash or control character are
    written between quotes as they are (what ``canonical`` does with them); a row with such a
    text goes through ``canonical`` itself.
    """
    escaped = _JSON_ESCAPED
    for block in event_text_blocks(queryset):
        lines: list[str] = []
        append = lines.append
        for values in block:
            (
                event_id,
                chain,
                sequence,
                created_at,
                organization_id,
                actor_id,
                actor_username,
                actor_role,
                action,
                object_type,
                object_id,
                tender_id,
                data,
                request_id,
                client_address,
                prev_hash,
                digest,
            ) = values
            try:
                text = "".join(
                    (
                        event_id,
                        chain,
                        created_at,
                        organization_id or "",
                        actor_id or "",
                        actor_username,
                        actor_role,
                        action,
                        object_type,
                        object_id,
                        tender_id or "",
                        request_id,
                        client_address,
                        prev_hash,
                        digest,
                    )
                ).encode()
                plain = sequence.__class__ is int and len(text.translate(None, escaped)) == len(
                    text
                )
            except (TypeError, UnicodeEncodeError):  # a None where text is expected; surrogates
                plain = False
            if not plain:
                append(_jsonl_line(values))
                continue
            append(
                "".join(
                    (
                        '{"data":',
                        data,
                        ',"action":"',
                        action,
                        '","actor_id":',
                        "null" if actor_id is None else '"' + actor_id + '"',
                        ',"actor_role":"',
                        actor_role,
                        '","actor_username":"',
                        actor_username,
                        '","chain":"',
                        chain,
                        '","client_address":"',
                        client_address,
                        '","created_at":"',
                        created_at,
                        '","hash":"',
                        digest,
                        '","id":"',
                        event_id,
                        '","object_id":"',
                        object_id,
                        '","object_type":"',
                        object_type,
                        '","organization_id":',
                        "null" if organization_id is None else '"' + organization_id + '"',
                        ',"prev_hash":"',
                        prev_hash,
                        '","request_id":"',
                        request_id,
                        '","sequence":',
                        str(sequence),
                        ',"tender_id":',
                        "null" if tender_id is None else '"' + tender_id + '"',
                        "}\n",
                    )
                )
            )
        yield "".join(lines)


def write_xlsx(queryset, target: IO[bytes]) -> int:
    """Write the events into ``target`` as an XLSX workbook in write-only mode.

    A bold header row, the pane frozen below it, column widths a person can read; a new sheet
    after Excel's row limit. Returns the number of events written.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

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
    for values in event_values(queryset):
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


def download(queryset, file_format: str):
    """The export as an HTTP download (the API's and the admin's): CSV and JSONL streamed,
    XLSX assembled in a temporary file first (a ZIP's directory is written last) and then
    streamed from it; never stored in a shared cache."""
    import tempfile

    from django.http import FileResponse, StreamingHttpResponse
    from django.utils import timezone

    content_type, suffix = FORMATS[file_format]
    filename = f"audit-events-{timezone.now():%Y%m%dT%H%M%SZ}.{suffix}"
    if file_format == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_xlsx(queryset, handle)
        handle.seek(0)
        response: FileResponse | StreamingHttpResponse = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )
    else:
        chunks = csv_chunks(queryset) if file_format == "csv" else jsonl_chunks(queryset)
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in chunks), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
