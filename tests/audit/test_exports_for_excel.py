"""The audit trail's exports open well in Swedish Excel and the XLSX is typed, and the offline
verifier (python -m audit.verify) verifies every format and catches a change in each.

CSV is UTF-8 with a byte order mark, separated by `;` in Swedish and `,` otherwise (the API's
language: ?lang=, Accept-Language; the admin's: the workbench language), `delimiter`
overrides; `data` is readable JSON. XLSX has real numbers and Excel times in the server's time
zone, titles in the export's language and the keys of its columns in a hidden sheet.
"""

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit import exports, verify
from audit.chain import iso_time
from audit.models import AuditEvent
from audit.selectors import EVENT_FIELDS, event_rows
from audit.services import record
from tests.api.helpers import bid, create_tender, publish, submit

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/audit-events/export/"
BOM = "\ufeff".encode()
NOTE = "Fjärrvärme åt Örebro"
SWEDISH = {"HTTP_ACCEPT_LANGUAGE": "sv-SE,sv;q=0.9"}
SWEDISH_TITLES = (
    "ID",
    "Kedja",
    "Löpnummer",
    "Tid (Europe/Stockholm)",
    "Organisation",
    "Aktör",
    "Aktörens användarnamn",
    "Aktörens roll",
    "Händelse",
    "Objekttyp",
    "Objekt-id",
    "Upphandling",
    "Uppgifter",
    "Anrops-id",
    "Klientadress",
    "Föregående hash",
    "Hash",
    "Tid (UTC, ISO 8601)",
)
# Summer time: Stockholm is two hours ahead of UTC.
RECORDED_AT = dt.datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _header(body: bytes) -> str:
    return body.decode("utf-8").removeprefix("\ufeff").split("\r\n", 1)[0]


def _verify_offline(path, *args):
    return subprocess.run(
        [sys.executable, "-m", "audit.verify", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


@pytest.fixture(autouse=True)
def _stockholm(settings):
    settings.TIME_ZONE = "Europe/Stockholm"


@pytest.fixture
def auditor(api, clock):
    """An auditor's client, with events of awkward content in the organisation's chain."""
    client, user = api("auditor")
    clock.move_to(RECORDED_AT)
    record(action="test.note", actor=user, object_type="note", data={"note": NOTE, "n": 3})
    record(action="test.formula", actor=user, object_type="x", object_id='=HYPERLINK("x")')
    record(action="test.quoted", actor=user, object_type="x", object_id="'citat'")
    record(action="test.separators", actor=user, object_type="x", object_id='a;b,c\t"d"')
    return client


# --- CSV ---


def test_csv_starts_with_a_bom_and_is_comma_separated_in_english(auditor):
    response = auditor.get(URL, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    body = _body(response)
    assert body.startswith(BOM)
    assert _header(body) == ",".join(EVENT_FIELDS)


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        pytest.param({"format": "csv", "lang": "sv"}, {}, id="lang"),
        pytest.param({"format": "csv"}, SWEDISH, id="accept-language"),
    ],
)
def test_csv_is_semicolon_separated_in_swedish(auditor, params, headers):
    response = auditor.get(URL, params, **headers)

    assert response.status_code == 200
    assert response["Content-Language"] == "sv"
    body = _body(response)
    assert body.startswith(BOM)
    assert _header(body) == ";".join(EVENT_FIELDS)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert {r["object_id"] for r in rows} >= {'a;b,c\t"d"', '\'=HYPERLINK("x")', "''citat'"}


@pytest.mark.parametrize(
    ("lang", "delimiter", "separator"),
    [("sv", "comma", ","), ("en", "semicolon", ";"), ("sv", "tab", "\t"), ("en", "tab", "\t")],
)
def test_the_delimiter_parameter_overrides_the_language(auditor, lang, delimiter, separator):
    response = auditor.get(URL, {"format": "csv", "lang": lang, "delimiter": delimiter})

    assert response.status_code == 200
    assert _header(_body(response)) == separator.join(EVENT_FIELDS)


@pytest.mark.parametrize("value", ["pipe", ";", "COMMA"])
def test_an_unknown_delimiter_is_a_400_problem_and_nothing_is_exported(auditor, value):
    response = auditor.get(URL, {"format": "csv", "delimiter": value, "lang": "sv"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["field"] == "/delimiter"
    assert error["message"] == "Välj ett av comma, semicolon, tab."
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_swedish_letters_in_data_are_readable(auditor, file_format):
    text = _body(auditor.get(URL, {"format": file_format})).decode("utf-8")

    assert NOTE in text
    assert "\\u00e4" not in text and "\\u00d6" not in text


# --- XLSX ---


def _xlsx(client, **params):
    response = client.get(URL, {"format": "xlsx", **params})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(_body(response)))


def test_xlsx_has_swedish_titles_typed_cells_and_the_keys_in_a_hidden_sheet(auditor):
    workbook = _xlsx(auditor, lang="sv")

    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == SWEDISH_TITLES
    assert sheet.title == "Logghändelser"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    keys = workbook[exports.XLSX_KEYS_SHEET]
    assert keys.sheet_state == "hidden"
    assert next(keys.iter_rows(values_only=True)) == exports.XLSX_COLUMNS
    column = {key: index for index, key in enumerate(exports.XLSX_COLUMNS)}
    note = next(row for row in rows[1:] if row[column["action"]] == "test.note")
    assert isinstance(note[column["sequence"]], int) and not isinstance(
        note[column["sequence"]], bool
    )
    local = note[column["created_at_local"]]
    assert isinstance(local, dt.datetime) and local.tzinfo is None
    expected = RECORDED_AT.astimezone(ZoneInfo("Europe/Stockholm")).replace(tzinfo=None)
    assert expected == dt.datetime(2026, 7, 1, 12, 0, 0, 123456)
    assert abs(local - expected) < dt.timedelta(milliseconds=1)  # Excel keeps milliseconds
    assert note[column["created_at"]] == iso_time(RECORDED_AT) == "2026-07-01T10:00:00.123456Z"
    assert json.loads(note[column["data"]]) == {"note": NOTE, "n": 3}
    assert NOTE in note[column["data"]]
    time_cell = sheet.cell(row=rows.index(note) + 1, column=column["created_at_local"] + 1)
    assert time_cell.is_date and "yyyy-mm-dd" in time_cell.number_format
    # A title longer than the column's usual width widens it.
    assert sheet.column_dimensions["G"].width >= len("Aktörens användarnamn")
    assert sheet.column_dimensions["M"].width == 80


def test_xlsx_titles_are_english_in_english(auditor):
    titles = next(_xlsx(auditor).active.iter_rows(values_only=True))

    assert titles[:4] == ("ID", "Chain", "Sequence", "Time (Europe/Stockholm)")
    assert titles[-1] == "Time (UTC, ISO 8601)"


def test_xlsx_times_follow_the_configured_time_zone(auditor, settings):
    settings.TIME_ZONE = "America/New_York"

    rows = list(_xlsx(auditor).active.iter_rows(values_only=True))

    column = {key: index for index, key in enumerate(exports.XLSX_COLUMNS)}
    assert rows[0][column["created_at_local"]] == "Time (America/New_York)"
    note = next(row for row in rows[1:] if row[column["action"]] == "test.note")
    assert note[column["created_at_local"]].replace(microsecond=0) == dt.datetime(2026, 7, 1, 6)


# --- the verifier, every format ---


@pytest.mark.parametrize(
    ("params", "suffix"),
    [
        pytest.param({"format": "csv", "lang": "sv"}, "csv", id="csv-semicolon"),
        pytest.param({"format": "csv", "lang": "en"}, "csv", id="csv-comma"),
        pytest.param({"format": "csv", "delimiter": "tab"}, "csv", id="csv-tab"),
        pytest.param({"format": "jsonl", "lang": "sv"}, "jsonl", id="jsonl"),
        pytest.param({"format": "xlsx", "lang": "sv"}, "xlsx", id="xlsx-sv"),
        pytest.param({"format": "xlsx", "lang": "en"}, "xlsx", id="xlsx-en"),
        # The name does not decide: the content is recognised.
        pytest.param({"format": "csv", "lang": "sv"}, "txt", id="csv-named-txt"),
        pytest.param({"format": "xlsx"}, "download", id="xlsx-without-suffix"),
    ],
)
def test_every_format_verifies_offline(auditor, tmp_path, params, suffix):
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(_body(auditor.get(URL, params)))
    count = AuditEvent.objects.count()  # the export's own event is in it

    done = _verify_offline(path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"VALID: {count} events checked")


def test_a_workbook_titled_by_keys_still_verifies(auditor, tmp_path):
    """XLSX exports used to title their columns by the fields' keys, without the sheet of
    keys: the title row is then read as the keys."""
    client = auditor
    client.get(URL, {"format": "jsonl"})  # a few more events, the export's own
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(EVENT_FIELDS))
    for row in event_rows(AuditEvent.objects.order_by("chain", "sequence"), parse_data=False):
        sheet.append([row[name] for name in EVENT_FIELDS])
    path = tmp_path / "earlier.xlsx"
    workbook.save(path)

    result = verify.verify_file(str(path))

    assert (result["valid"], result["events_checked"]) == (True, AuditEvent.objects.count())


def _forged_xlsx(body: bytes, old: str, new: str) -> bytes:
    workbook = load_workbook(io.BytesIO(body))
    for row in workbook.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and old in cell.value:
                cell.value = cell.value.replace(old, new)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("params", "forge", "sequence"),
    [
        pytest.param(
            {"format": "csv", "lang": "sv"},
            lambda body: body.replace("Örebro".encode(), b"Orsa"),
            1,
            id="csv-data",
        ),
        pytest.param(
            {"format": "csv", "lang": "en"},
            lambda body: body.replace(b"test.quoted", b"test.quotes"),
            3,
            id="csv-action",
        ),
        pytest.param(
            {"format": "xlsx", "lang": "sv"},
            lambda body: _forged_xlsx(body, "Örebro", "Orsa"),
            1,
            id="xlsx-data",
        ),
        pytest.param(
            {"format": "xlsx", "lang": "sv"},
            lambda body: _forged_xlsx(body, "10:00:00.123456Z", "10:00:01.123456Z"),
            1,
            id="xlsx-time",
        ),
    ],
)
def test_a_changed_export_fails_in_every_format(auditor, tmp_path, params, forge, sequence):
    path = tmp_path / f"forged.{params['format']}"
    body = _body(auditor.get(URL, params))
    forged = forge(body)
    assert forged != body
    path.write_bytes(forged)

    done = _verify_offline(path)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "INVALID: changed content" in done.stdout
    assert f"sequence {sequence} " in done.stdout


def test_a_missing_row_is_caught_in_csv(auditor, tmp_path):
    lines = _body(auditor.get(URL, {"format": "csv", "lang": "sv"})).split(b"\r\n")
    path = tmp_path / "short.csv"
    path.write_bytes(b"\r\n".join([*lines[:2], *lines[3:]]))

    done = _verify_offline(path)

    assert done.returncode == 1
    assert "INVALID: missing event" in done.stdout


def test_a_file_that_is_no_export_cannot_be_read(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("\ufeffname;amount\r\nÄgg;12\r\n", encoding="utf-8")

    done = _verify_offline(path)

    assert done.returncode == 2
    assert "not a header of an audit export" in done.stderr


def test_a_control_character_in_xlsx_is_named_as_the_cause(api, tmp_path):
    """Excel cannot hold a control character: the cell gets U+FFFD and that row cannot match
    its hash; the verifier says so and points to the JSON Lines export, which verifies."""
    client, user = api("auditor")
    record(action="test.control", actor=user, object_type="x", object_id="a\x01b")
    xlsx = tmp_path / "export.xlsx"
    xlsx.write_bytes(_body(client.get(URL, {"format": "xlsx"})))
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_bytes(_body(client.get(URL, {"format": "jsonl"})))

    result = verify.verify_file(str(xlsx))

    assert result["valid"] is False
    assert result["first_invalid"]["reason"] == "changed content"
    assert "verify the JSON Lines export instead" in result["first_invalid"]["detail"]
    assert verify.verify_file(str(jsonl))["valid"] is True


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_operators_tabular_export_verifies_with_sealed_events_redacted(
    api, superuser, client_for, tmp_path, file_format
):
    """As the JSON Lines one (test_api.py): a redacted row keeps its place and its hashes, with
    no time and no content."""
    officer_client, _ = api("officer")
    tender = create_tender(officer_client)
    publish(officer_client, tender["id"])
    bidder_client, bidder = api("bidder")
    draft = bid(bidder_client, tender["id"], "777777.00")
    submit(bidder_client, draft["id"])
    record(action="organization.updated", actor=bidder, object_type="organization")

    body = _body(client_for(superuser).get(URL, {"format": file_format, "lang": "sv"}))

    path = tmp_path / f"operator.{file_format}"
    path.write_bytes(body)
    with verify.open_events(str(path)) as events:
        actions = [e["action"] for e in events if e["chain"] == str(bidder.organization_id)]
    assert actions[-1] == "organization.updated"
    assert "(redacted)" in actions
    done = _verify_offline(path)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the admin ---


@pytest.fixture
def admin_auditor(make_user, buyer, clock):
    user = make_user("auditor", buyer)
    clock.move_to(RECORDED_AT)
    record(action="tender.created", actor=user, object_type="tender", data={"note": NOTE})
    record(action="test.other", actor=user, object_type="x")
    client = Client()
    client.force_login(user)
    return client


def _admin_export(client, **params):
    response = client.get(reverse("admin:audit_auditevent_export"), params)
    assert response.status_code == 200
    return _body(response)


def test_the_admin_exports_csv_with_semicolons_for_a_swedish_auditor(admin_auditor, tmp_path):
    admin_auditor.cookies["django_language"] = "sv"

    body = _admin_export(admin_auditor, format="csv")

    assert body.startswith(BOM)
    assert _header(body) == ";".join(EVENT_FIELDS)
    assert NOTE in body.decode("utf-8")
    path = tmp_path / "admin.csv"
    path.write_bytes(body)
    assert _verify_offline(path).returncode == 0


def test_the_admin_exports_csv_with_commas_in_english(admin_auditor):
    admin_auditor.cookies["django_language"] = "en"

    assert _header(_admin_export(admin_auditor, format="csv")) == ",".join(EVENT_FIELDS)


def test_the_admin_delimiter_overrides_and_the_list_filter_still_applies(admin_auditor):
    admin_auditor.cookies["django_language"] = "sv"

    body = _admin_export(
        admin_auditor, format="csv", delimiter="comma", action__exact="tender.created"
    )

    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [r["action"] for r in rows] == ["tender.created"]
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.data["filters"] == {"action__exact": "tender.created"}


def test_an_unknown_delimiter_in_the_admin_is_not_found(admin_auditor):
    response = admin_auditor.get(
        reverse("admin:audit_auditevent_export"), {"format": "csv", "delimiter": "pipe"}
    )

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_admin_xlsx_has_swedish_titles_for_a_swedish_auditor(admin_auditor, tmp_path):
    admin_auditor.cookies["django_language"] = "sv"

    body = _admin_export(admin_auditor, format="xlsx")

    assert next(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)) == (
        SWEDISH_TITLES
    )
    path = tmp_path / "admin.xlsx"
    path.write_bytes(body)
    assert _verify_offline(path).returncode == 0
