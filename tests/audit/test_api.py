"""GET /api/v1/audit-events/ (+ export/, verify/): who reads what, filters, order, files."""

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from audit.services import record
from tests.api.helpers import bid, create_tender, publish, submit
from tests.factories import TenderFactory

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/audit-events/"


def _body(response) -> bytes:
    if isinstance(response, StreamingHttpResponse) or response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _actions(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [e["action"] for e in response.json()["results"]]


@pytest.fixture
def trail(api, buyer, other_buyer, supplier):
    """Events of Alice's region by an officer and an evaluator, one of Bob's, one supplier's."""
    _, officer = api("officer")
    _, evaluator = api("evaluator")
    _, bob = api("officer", org=other_buyer)
    _, bidder = api("bidder")
    tender = TenderFactory(organization=buyer)
    other_tender = TenderFactory(organization=buyer)
    record(action="tender.created", actor=officer, obj=tender, tender_id=tender.pk)
    record(action="criterion.created", actor=officer, object_type="criterion", object_id="c1")
    record(action="tender.updated", actor=officer, obj=other_tender, tender_id=other_tender.pk)
    record(action="conflict.declared", actor=evaluator, obj=tender, tender_id=tender.pk)
    record(action="member.added", system="admin", organization_id=buyer.pk, object_type="user")
    record(action="tender.created", actor=bob, object_type="tender")
    record(action="bid.created", actor=bidder, object_type="bid", tender_id=tender.pk)
    return {"tender": tender, "officer": officer, "evaluator": evaluator}


def test_an_auditor_reads_the_whole_organisation_newest_first(api, trail):
    client, _ = api("auditor")

    assert _actions(client.get(URL)) == [
        "member.added",
        "conflict.declared",
        "tender.updated",
        "criterion.created",
        "tender.created",
    ]


def test_oldest_first_on_request(api, trail):
    client, _ = api("auditor")

    assert _actions(client.get(URL, {"ordering": "created_at"}))[0] == "tender.created"


def test_an_officer_reads_the_organisations_tenders_and_own_actions(api, trail):
    client, _ = api("officer")

    assert sorted(_actions(client.get(URL))) == [
        "conflict.declared",
        "criterion.created",
        "tender.created",
        "tender.updated",
    ]


def test_an_evaluator_reads_only_own_actions(api, trail):
    client, _ = api("evaluator")

    assert _actions(client.get(URL)) == ["conflict.declared"]


def test_a_bidder_reads_only_own_actions_and_nothing_of_the_buyer(api, trail):
    client, _ = api("bidder")

    assert _actions(client.get(URL)) == ["bid.created"]


def test_nobody_reads_another_organisations_events(api, other_buyer, trail):
    client, _ = api("auditor", org=other_buyer)

    assert _actions(client.get(URL)) == ["tender.created"]
    assert client.get(URL, {"tender": str(trail["tender"].pk)}).json()["results"] == []


def test_the_operator_does_not_see_what_suppliers_did_on_a_sealed_tender(
    client_for, superuser, trail
):
    actions = _actions(client_for(superuser).get(URL, {"page_size": 500}))

    assert "bid.created" not in actions
    assert "tender.created" in actions


def test_anonymous_callers_get_401(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("tender", "<tender>", ["conflict.declared", "tender.created"], id="tender"),
        pytest.param("actor", "<evaluator>", ["conflict.declared"], id="actor"),
        pytest.param("action", "tender.created", ["tender.created"], id="action"),
        pytest.param(
            "action", "tender.*", ["tender.updated", "tender.created"], id="action-prefix"
        ),
        pytest.param("object_type", "criterion", ["criterion.created"], id="object_type"),
    ],
)
def test_filters(api, trail, name, value, expected):
    client, _ = api("auditor")
    value = {"<tender>": str(trail["tender"].pk), "<evaluator>": str(trail["evaluator"].pk)}.get(
        value, value
    )

    assert _actions(client.get(URL, {name: value})) == expected


def test_since_and_until_filter_by_time(api, buyer, clock):
    client, auditor = api("auditor")
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    for hour in range(4):
        clock.move_to(start + dt.timedelta(hours=hour))
        record(action=f"test.at_{hour}", actor=auditor, object_type="x")

    response = client.get(URL, {"since": "2026-03-01T13:00:00Z", "until": "2026-03-01T15:00:00Z"})

    assert _actions(response) == ["test.at_2", "test.at_1"]


def test_a_bad_filter_is_a_400_problem(api):
    client, _ = api("auditor")

    response = client.get(URL, {"since": "yesterday"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/since"


def test_cursor_pagination_walks_every_event_once(api, chain_of):
    client, auditor = api("auditor")
    chain_of(auditor, 7)
    seen = []

    response = client.get(URL, {"page_size": 3, "cursor": ""})
    while True:
        page = response.json()
        assert "count" not in page and "cursor=" in (page["next"] or "cursor=")
        seen.extend(e["sequence"] for e in page["results"])
        if not page["next"]:
            break
        response = client.get(page["next"])

    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_pages_carry_a_count_as_every_list(api, chain_of):
    client, auditor = api("auditor")
    chain_of(auditor, 7)

    first = client.get(URL, {"page_size": 3}).json()
    third = client.get(URL, {"page_size": 3, "page": 3}).json()

    assert first["count"] == 7 and first["previous"] is None and "page=2" in first["next"]
    assert [e["sequence"] for e in first["results"]] == [7, 6, 5]
    assert [e["sequence"] for e in third["results"]] == [1] and third["next"] is None
    assert client.get(URL, {"page": 9}).status_code == 404


def test_an_event_shows_every_recorded_field(api, trail):
    client, _ = api("auditor")

    event = client.get(URL, {"action": "conflict.declared"}).json()["results"][0]

    assert event["actor"] == str(trail["evaluator"].pk)
    assert event["actor_role"] == "evaluator"
    assert event["tender"] == str(trail["tender"].pk)
    assert len(event["hash"]) == len(event["prev_hash"]) == 64
    assert event["created_at"].endswith("Z")


# --- verify ---


def test_verify_reports_an_intact_chain(api, chain_of):
    client, auditor = api("auditor")
    chain_of(auditor, 4)

    body = client.get(URL + "verify/").json()

    assert (body["valid"], body["events_checked"], body["first_invalid"]) == (True, 4, None)


@pytest.mark.parametrize("role", ["officer", "admin", "auditor"])
def test_buyer_roles_may_verify(api, role):
    client, _ = api(role)

    assert client.get(URL + "verify/").status_code == 200


@pytest.mark.parametrize("role", ["evaluator", "bidder"])
def test_evaluators_and_bidders_may_not_verify_or_export(api, role):
    client, _ = api(role)

    assert client.get(URL + "verify/").status_code == 403
    assert client.get(URL + "export/", {"format": "csv"}).status_code == 403


def test_the_operator_verifies_every_chain(client_for, superuser, buyer, other_buyer, make_user):
    record(action="test.a", actor=make_user("officer", buyer), object_type="x")
    record(action="test.b", actor=make_user("officer", other_buyer), object_type="x")

    body = client_for(superuser).get(URL + "verify/").json()

    assert body["valid"] is True
    assert {c["chain"] for c in body["chains"]} == {str(buyer.pk), str(other_buyer.pk)}


def test_verify_via_the_api_names_the_broken_link(api, chain_of, tamper):
    client, auditor = api("auditor")
    events = chain_of(auditor, 3)
    event_id = events[1].pk.hex if connection.vendor == "sqlite" else str(events[1].pk)
    tamper("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [event_id])

    body = client.get(URL + "verify/").json()

    assert body["valid"] is False
    assert body["first_invalid"]["sequence"] == 2
    assert body["first_invalid"]["reason"] == "changed content"


# --- export ---


def test_csv_export_streams_every_field_and_is_itself_recorded(api, trail):
    client, auditor = api("auditor")

    response = client.get(URL + "export/", {"format": "csv", "tender": str(trail["tender"].pk)})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["tender.created", "conflict.declared"]
    assert json.loads(rows[1]["data"]) == {}
    assert rows[0]["hash"] and rows[0]["prev_hash"]
    exported = AuditEvent.objects.filter(action="audit.exported").get()
    assert exported.actor_id == auditor.pk
    assert exported.data == {"format": "csv", "filters": {"tender": str(trail["tender"].pk)}}


def test_csv_export_defuses_formulas(api, auditor_with_formula):
    client, _ = auditor_with_formula

    body = _body(client.get(URL + "export/", {"format": "csv"})).decode("utf-8")

    assert "'=HYPERLINK" in body


@pytest.fixture
def auditor_with_formula(api, buyer):
    client, auditor = api("auditor")
    record(
        action="test.formula",
        actor=auditor,
        object_type="x",
        object_id='=HYPERLINK("http://evil")',
    )
    return client, auditor


def test_an_unknown_or_missing_format_is_a_400_problem(api):
    client, _ = api("auditor")

    for params in ({"format": "pdf"}, {}):
        response = client.get(URL + "export/", params)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "/format"
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_jsonl_export_verifies_offline_and_tampering_is_caught(api, chain_of, tmp_path):
    client, auditor = api("auditor")
    chain_of(auditor, 5)
    record(action="tender.published", actor=auditor, object_type="tender")

    response = client.get(URL + "export/", {"format": "jsonl"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jsonl")
    lines = _body(response).decode("utf-8").splitlines()
    # The export's own event was recorded before the file was read: it is the last line.
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2, 3, 4, 5, 6, 7]
    assert json.loads(lines[-1])["action"] == "audit.exported"
    good = tmp_path / "export.jsonl"
    good.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _verify_offline(good)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("VALID: 7 events checked")

    forged = [json.loads(line) for line in lines]
    forged[2]["data"]["note"] = "forged"
    bad = tmp_path / "forged.jsonl"
    bad.write_text("\n".join(json.dumps(e) for e in forged) + "\n", encoding="utf-8")
    done = _verify_offline(bad)
    assert done.returncode == 1
    assert "INVALID: changed content" in done.stdout
    assert "sequence 3" in done.stdout

    swapped = [*lines[:2], lines[3], lines[2], *lines[4:]]
    bad.write_text("\n".join(swapped) + "\n", encoding="utf-8")
    assert "INVALID: reordered events" in _verify_offline(bad).stdout

    bad.write_text("\n".join([*lines[:2], *lines[3:]]) + "\n", encoding="utf-8")
    assert "INVALID: missing event" in _verify_offline(bad).stdout


def test_a_time_filtered_export_verifies_as_a_segment(api, chain_of, tmp_path, clock):
    client, auditor = api("auditor")
    clock.move_to(timezone.now() - dt.timedelta(days=2))
    chain_of(auditor, 2)
    clock.move_to(timezone.now() + dt.timedelta(days=1))
    chain_of(auditor, 2)
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()

    body = _body(client.get(URL + "export/", {"format": "jsonl", "since": since}))
    path = tmp_path / "segment.jsonl"
    path.write_bytes(body)

    assert _verify_offline(path).returncode == 1  # does not start at the genesis link
    done = _verify_offline(path, "--segment", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["chains"][0]["first_sequence"] == 3


def _verify_offline(path, *args):
    return subprocess.run(
        [sys.executable, "-m", "audit.verify", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


def test_offline_verification_imports_no_django():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, audit.verify; assert not [m for m in sys.modules if m.startswith('django')]",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )

    assert done.returncode == 0, done.stderr


def test_an_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "not.jsonl"
    path.write_text("hello\n")

    done = _verify_offline(path)

    assert done.returncode == 2
    assert "line 1 is not JSON" in done.stderr


def test_xlsx_export_has_a_header_a_frozen_pane_and_readable_widths(api, trail):
    client, _ = api("auditor")

    response = client.get(URL + "export/", {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(_body(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("ID", "Chain", "Sequence", "Time (Europe/Stockholm)")
    assert rows[0][-1] == "Time (UTC, ISO 8601)"
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["M"].width == 80  # data
    actions = [row[8] for row in rows[1:]]
    assert actions[:5] == [
        "tender.created",
        "criterion.created",
        "tender.updated",
        "conflict.declared",
        "member.added",
    ]
    assert actions[-1] == "audit.exported"


def test_xlsx_keeps_formulas_as_text(api, auditor_with_formula):
    client, _ = auditor_with_formula

    response = client.get(URL + "export/", {"format": "xlsx"})

    sheet = load_workbook(io.BytesIO(_body(response))).active
    cell = sheet.cell(row=2, column=11)
    assert cell.value == '=HYPERLINK("http://evil")'
    assert cell.data_type == "s"


def test_the_operators_export_verifies_offline_with_sealed_events_redacted(
    api, superuser, client_for, tmp_path
):
    """What a supplier did about a still-sealed tender sits in the middle of the supplier's
    chain: the operator's export gives it as a redacted row with its hashes, so the chain
    verifies offline and nothing sealed is read."""
    officer_client, _ = api("officer")
    tender = create_tender(officer_client)
    publish(officer_client, tender["id"])
    bidder_client, bidder = api("bidder")
    record(action="organization.updated", actor=bidder, object_type="organization")
    draft = bid(bidder_client, tender["id"], "777777.00")
    submit(bidder_client, draft["id"])
    record(action="organization.updated", actor=bidder, object_type="organization")

    response = client_for(superuser).get(URL + "export/", {"format": "jsonl"})
    assert response.status_code == 200
    text = _body(response).decode("utf-8")
    assert "777777" not in text and draft["id"] not in text
    events = [json.loads(line) for line in text.splitlines()]
    supplier_chain = [e for e in events if e["chain"] == str(bidder.organization_id)]
    assert [e["action"] for e in supplier_chain] == [
        "organization.updated",
        "(redacted)",
        "(redacted)",
        "organization.updated",
    ]
    assert {e["data"]["redacted"] for e in supplier_chain[1:3]} == {True}
    path = tmp_path / "operator.jsonl"
    path.write_text(text, encoding="utf-8")
    done = _verify_offline(path)
    assert done.returncode == 0, done.stdout + done.stderr

    # A redacted row still holds its place: taking it out, or changing its hash, is caught.
    lines = text.splitlines()
    hole = lines.index(next(line for line in lines if '"(redacted)"' in line))
    path.write_text("\n".join(lines[:hole] + lines[hole + 1 :]) + "\n", encoding="utf-8")
    assert "INVALID: missing event" in _verify_offline(path).stdout
    changed = json.loads(lines[hole])
    changed["hash"] = "0" * 64
    lines[hole] = json.dumps(changed)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "INVALID: wrong previous hash" in _verify_offline(path).stdout
