"""Tender documents and bid evidence: what is stored, what is refused, and who may see it.

Uploads are checked by size (413), by name *and* content (415), get a safe base name and are
stored under MEDIA_ROOT (a tmp dir, see conftest) under a random name. Whatever is refused
leaves no row and no file behind.
"""

import datetime as dt
import hashlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from procurement.models import Bid, BidDocument, Tender, TenderDocument
from procurement.services import documents as document_services
from tests.api.helpers import bid, create_tender, publish, submit

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0123456789" * 40 + b"\n%%EOF\n"
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml" + b"\x00" * 64
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 120
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
TEXT = "Frågor och svar: leveranser sker måndag\u2013fredag.\n".encode()
CSV = b"artikel;pris\nagg;12.50\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 120


@pytest.fixture
def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def docs_url(tender_id) -> str:
    return f"/api/v1/tenders/{tender_id}/documents/"


def upload(client, tender_id, name, content, kind="specification"):
    return client.post(
        docs_url(tender_id),
        {"file": SimpleUploadedFile(name, content), "kind": kind},
        format="multipart",
    )


def raw_upload(client, tender_id, filename: str, content: bytes, **extra):
    """Multipart built by hand: the name goes on the wire exactly as a hostile client sends it."""
    return client.generic(
        "POST",
        docs_url(tender_id),
        _multipart("AnbudBoundary", filename, content),
        content_type="multipart/form-data; boundary=AnbudBoundary",
        **extra,
    )


def download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def assert_nothing_stored(media):
    assert TenderDocument.objects.count() == 0
    assert BidDocument.objects.count() == 0
    assert stored_files(media) == []


@pytest.fixture
def draft(api):
    officer, _ = api("officer")
    return create_tender(officer)


@pytest.fixture
def published(api):
    officer, _ = api("officer")
    tender = create_tender(officer, days=31, reference="RK-2026-PUB")
    publish(officer, tender["id"])
    return tender


# --- a successful upload --------------------------------------------------------------------


def test_upload_reports_the_facts_and_download_returns_the_same_bytes(api, draft, media):
    officer, user = api("officer")
    response = upload(officer, draft["id"], "Förfrågningsunderlag 2026.pdf", PDF, kind="call")
    assert response.status_code == 201, response.json()
    doc = response.json()
    assert doc["filename"] == "Förfrågningsunderlag 2026.pdf"
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert doc["size"] == len(PDF)
    assert doc["media_type"] == "application/pdf"
    assert doc["version"] == 1
    assert doc["kind"] == "call"

    (path,) = stored_files(media)
    assert path.read_bytes() == PDF
    assert path.resolve().is_relative_to(media.resolve())
    assert "Förfrågningsunderlag" not in path.name  # stored under a random name

    event = AuditEvent.objects.get(action="tender_document.uploaded")
    assert event.actor == user
    assert event.data["sha256"] == doc["sha256"]

    listed = officer.get(docs_url(draft["id"])).json()["results"]
    assert [d["id"] for d in listed] == [doc["id"]]

    got, body = download(officer, f"{docs_url(draft['id'])}{doc['id']}/download/")
    assert got.status_code == 200
    assert body == PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    disposition = got["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Förfrågningsunderlag 2026.pdf" in unquote(disposition)


def test_a_second_upload_with_the_same_name_is_version_two_and_both_are_kept(api, draft):
    officer, _ = api("officer")
    first = upload(officer, draft["id"], "spec.pdf", PDF).json()
    changed = PDF.replace(b"0123", b"9876")
    second = upload(officer, draft["id"], "spec.pdf", changed)
    assert second.status_code == 201
    assert second.json()["version"] == 2
    assert second.json()["sha256"] == hashlib.sha256(changed).hexdigest()
    assert upload(officer, draft["id"], "other.pdf", PDF).json()["version"] == 1

    url = docs_url(draft["id"])
    assert download(officer, f"{url}{first['id']}/download/")[1] == PDF
    assert download(officer, f"{url}{second.json()['id']}/download/")[1] == changed


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        (
            "bilaga.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("prislista.xls", XLS, "application/vnd.ms-excel"),
        ("karta.png", PNG, "image/png"),
        ("foto.JPG", JPEG, "image/jpeg"),
        ("fragor.txt", TEXT, "text/plain"),
        ("artiklar.csv", CSV, "text/csv"),
    ],
)
def test_allowed_types_are_accepted_with_their_media_type(api, draft, name, content, media_type):
    officer, _ = api("officer")
    response = upload(officer, draft["id"], name, content)
    assert response.status_code == 201, response.json()
    assert response.json()["media_type"] == media_type
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


# --- size ----------------------------------------------------------------------------------


def test_exactly_the_limit_is_accepted_one_byte_more_is_413_and_nothing_is_stored(
    api, draft, settings, media
):
    settings.ANBUD_MAX_UPLOAD_BYTES = 1024
    officer, _ = api("officer")
    exact = PDF[:9] + b"a" * (1024 - 9)
    assert upload(officer, draft["id"], "exact.pdf", exact).status_code == 201
    TenderDocument.objects.all().delete()
    for path in stored_files(media):
        path.unlink()

    response = upload(officer, draft["id"], "big.pdf", exact + b"b")
    assert_problem(response, 413)
    assert response.json()["limit"] == 1024
    assert_nothing_stored(media)
    assert AuditEvent.objects.filter(action="tender_document.uploaded").count() == 1


def _multipart(boundary: str, filename: str, content: bytes) -> bytes:
    return (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="kind"\r\n\r\nspecification\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


@pytest.mark.parametrize(
    ("declared", "status"),
    [
        # Cut inside the file, well under the limit: an incomplete upload is refused (never
        # stored as if it were the whole document).
        (400, 400),
        (900, 400),
        # Cut after more than the limit's worth of file: too large, judged by bytes received.
        (2000, 413),
    ],
)
def test_a_client_lying_about_content_length_never_gets_more_than_the_limit_stored(
    api, draft, settings, media, declared, status
):
    settings.ANBUD_MAX_UPLOAD_BYTES = 1024
    officer, _ = api("officer")
    content = PDF[:9] + b"z" * 4000
    body = _multipart("AnbudBoundary", "lies.pdf", content)
    assert len(body) > declared
    response = officer.generic(
        "POST",
        docs_url(draft["id"]),
        body,
        content_type="multipart/form-data; boundary=AnbudBoundary",
        CONTENT_LENGTH=str(declared),
    )
    assert_problem(response, status)
    assert_nothing_stored(media)


def test_a_body_declared_far_beyond_the_limit_is_refused_unread(api, draft, settings, media):
    settings.ANBUD_MAX_UPLOAD_BYTES = 1024
    officer, _ = api("officer")
    body = _multipart("AnbudBoundary", "small.pdf", PDF[:100])
    response = officer.generic(
        "POST",
        docs_url(draft["id"]),
        body,
        content_type="multipart/form-data; boundary=AnbudBoundary",
        CONTENT_LENGTH=str(1024 + 2 * 1024 * 1024),
    )
    assert_problem(response, 413)
    assert_nothing_stored(media)


# --- type, judged by content and by name -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", ELF),
        ("setup.pdf", MZ),
        ("report.exe", PDF),
        ("notes.txt", b"plain words\x00\x01\x02 and then binary"),
        ("photo.jpg", PNG),
        ("archive.pdf", DOCX),
        ("macro.docm", DOCX),
        ("no-extension", PDF),
        ("report.txt\x00.exe", TEXT),
    ],
    ids=[
        "elf-as-pdf",
        "mz-as-pdf",
        "pdf-as-exe",
        "nul-text",
        "png-as-jpg",
        "zip-as-pdf",
        "docm",
        "no-ext",
        "nul-truncation",
    ],
)
def test_wrong_type_by_content_or_name_is_415_and_nothing_is_stored(
    api, draft, media, name, content
):
    officer, _ = api("officer")
    response = upload(officer, draft["id"], name, content)
    assert_problem(response, 415)
    assert_nothing_stored(media)


def test_text_with_nul_bytes_after_the_first_8_kib_is_415(api, draft, media):
    officer, _ = api("officer")
    content = b"harmless header line\n" * 500 + b"\x7fELF\x00\x00\x00payload"
    assert len(content) > 8192
    response = upload(officer, draft["id"], "readme.txt", content)
    assert_problem(response, 415)
    assert_nothing_stored(media)


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/absolute/path/spec.txt", "spec.txt"),
        ("evil\x00.txt", "evil.txt"),
        ("tab\there\x07\x1b[31m.txt", "tabhere_31m.txt"),
        ("semi;colon<>|*?.txt", "semi_colon_.txt"),
        ("\u202etxt.exe.txt", "txt.exe.txt"),
        ("  .hidden spaced.txt  ", "hidden spaced.txt"),
        ("a..b...c.txt", "a.b.c.txt"),
    ],
)
def test_file_name_tricks_are_stored_under_a_safe_base_name_inside_media_root(
    api, draft, media, given, expected
):
    officer, _ = api("officer")
    response = raw_upload(officer, draft["id"], given, TEXT)
    assert response.status_code == 201, response.json()
    doc = response.json()
    assert doc["filename"] == expected
    (path,) = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert TenderDocument.objects.get(pk=doc["id"]).filename == expected

    got, body = download(officer, f"{docs_url(draft['id'])}{doc['id']}/download/")
    assert body == TEXT
    disposition = got["Content-Disposition"]
    assert expected in unquote(disposition)
    assert not any(ch in disposition for ch in "\r\n\x00/\\")


def test_a_300_character_name_is_shortened_and_keeps_its_extension(api, draft, media):
    officer, _ = api("officer")
    response = upload(officer, draft["id"], "å" * 300 + ".pdf", PDF)
    assert response.status_code == 201
    name = response.json()["filename"]
    assert name.endswith(".pdf")
    assert name.startswith("ååå")
    assert len(name) <= 150
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize("given", ["....", ".", "..", "../..", "\x00\x01", ".pdf", "...pdf"])
def test_a_name_without_a_usable_base_name_is_refused_and_nothing_is_stored(
    api, draft, media, given
):
    officer, _ = api("officer")
    response = raw_upload(officer, draft["id"], given, PDF)
    # No name means no type (415), or no file part at all after Django's sanitising (400).
    assert response.status_code in (400, 415), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert_nothing_stored(media)


# --- who may upload and see ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "evaluator", "bidder"])
def test_roles_without_the_right_cannot_upload_tender_documents(api, published, media, role):
    client, _ = api(role)
    response = upload(client, published["id"], "spec.pdf", PDF)
    assert_problem(response, 403)
    assert_nothing_stored(media)
    assert AuditEvent.objects.filter(action="permission.denied").count() == 1


def test_an_admin_may_upload_like_an_officer(api, draft):
    admin, _ = api("admin")
    assert upload(admin, draft["id"], "spec.pdf", PDF).status_code == 201


def test_documents_of_a_draft_are_invisible_to_bidders_until_it_is_published(api, draft):
    officer, _ = api("officer")
    doc = upload(officer, draft["id"], "spec.pdf", PDF).json()
    bidder, _ = api("bidder")
    file_url = f"{docs_url(draft['id'])}{doc['id']}/download/"
    assert_problem(bidder.get(docs_url(draft["id"])), 404)
    assert_problem(bidder.get(file_url), 404)

    publish(officer, draft["id"])
    listed = bidder.get(docs_url(draft["id"]))
    assert [d["id"] for d in listed.json()["results"]] == [doc["id"]]
    assert download(bidder, file_url)[1] == PDF


def test_another_organisations_officer_gets_404_and_cannot_add_documents(
    api, published, other_buyer, media
):
    officer, _ = api("officer")
    doc = upload(officer, published["id"], "spec.pdf", PDF).json()
    outsider, _ = api("officer", org=other_buyer)
    assert_problem(outsider.get(docs_url(published["id"])), 404)
    assert_problem(outsider.get(f"{docs_url(published['id'])}{doc['id']}/download/"), 404)
    assert_problem(upload(outsider, published["id"], "fake.pdf", PDF), 404)
    assert TenderDocument.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_a_document_is_only_reachable_through_its_own_tender(api, published, draft):
    officer, _ = api("officer")
    doc = upload(officer, draft["id"], "spec.pdf", PDF).json()
    bidder, _ = api("bidder")
    # The draft's document must not leak through the published tender's URL.
    assert_problem(bidder.get(f"{docs_url(published['id'])}{doc['id']}/download/"), 404)
    assert_problem(officer.get(f"{docs_url(published['id'])}{doc['id']}/download/"), 404)


def test_after_the_deadline_uploads_are_409_and_nothing_is_stored(api, published, clock, media):
    officer, _ = api("officer")
    deadline = Tender.objects.get(pk=published["id"]).submission_deadline
    clock.move_to(deadline + dt.timedelta(seconds=1))
    response = upload(officer, published["id"], "late.pdf", PDF)
    assert_problem(response, 409)
    assert response.json()["current_status"] == "closed"
    assert_nothing_stored(media)


def test_a_cancelled_tender_takes_no_documents(api, draft, media):
    officer, _ = api("officer")
    officer.post(f"/api/v1/tenders/{draft['id']}/cancel/", {"reason": "Budget"}, format="json")
    assert_problem(upload(officer, draft["id"], "late.pdf", PDF), 409)
    assert_nothing_stored(media)


# --- bid evidence --------------------------------------------------------------------------


def bid_docs_url(bid_id) -> str:
    return f"/api/v1/bids/{bid_id}/documents/"


def _evidence(bid_id, user, name="iso14001.pdf", content=PDF):
    """Evidence attached through the service."""
    return document_services.upload_bid_document(
        bid=Bid.objects.get(pk=bid_id),
        actor=user,
        uploaded=SimpleUploadedFile(name, content),
        kind="certificate",
    )


def test_a_bidder_uploads_evidence_to_its_draft_and_the_receipt_names_it(api, published, media):
    bidder, _ = api("bidder")
    draft_bid = bid(bidder, published["id"])
    url = bid_docs_url(draft_bid["id"])
    response = bidder.post(
        url,
        {"file": SimpleUploadedFile("../cert/iso14001.pdf", PDF), "kind": "certificate"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    doc = response.json()
    assert doc["filename"] == "iso14001.pdf"
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (doc["size"], doc["media_type"], doc["version"]) == (len(PDF), "application/pdf", 1)
    again = bidder.post(
        url, {"file": SimpleUploadedFile("iso14001.pdf", PDF + b" ")}, format="multipart"
    )
    assert again.json()["version"] == 2
    assert download(bidder, f"{url}{doc['id']}/download/")[1] == PDF

    refused = bidder.post(url, {"file": SimpleUploadedFile("x.pdf", MZ)}, format="multipart")
    assert refused.status_code == 415

    receipt = submit(bidder, draft_bid["id"])["receipt"]
    assert {f["sha256"] for f in receipt["files"]} == {
        hashlib.sha256(PDF).hexdigest(),
        hashlib.sha256(PDF + b" ").hexdigest(),
    }
    late = bidder.post(url, {"file": SimpleUploadedFile("y.pdf", PDF)}, format="multipart")
    assert late.status_code == 409
    assert BidDocument.objects.count() == 2


def test_bid_evidence_over_the_limit_is_413_and_nothing_is_stored(api, published, settings, media):
    settings.ANBUD_MAX_UPLOAD_BYTES = 1024
    bidder, _ = api("bidder")
    draft_bid = bid(bidder, published["id"])
    response = bidder.post(
        bid_docs_url(draft_bid["id"]),
        {"file": SimpleUploadedFile("big.pdf", PDF[:9] + b"x" * 2000)},
        format="multipart",
    )
    assert_problem(response, 413)
    assert_nothing_stored(media)


def test_bid_evidence_is_downloadable_by_its_supplier_only_while_sealed(
    api, published, other_supplier, clock
):
    bidder, user = api("bidder")
    draft_bid = bid(bidder, published["id"])
    doc = _evidence(draft_bid["id"], user)
    submit(bidder, draft_bid["id"])
    file_url = f"{bid_docs_url(draft_bid['id'])}{doc.pk}/download/"

    got, body = download(bidder, file_url)
    assert body == PDF
    assert got["Content-Disposition"].startswith("attachment;")
    assert "iso14001.pdf" in got["Content-Disposition"]
    listed = bidder.get(bid_docs_url(draft_bid["id"])).json()["results"]
    assert [d["sha256"] for d in listed] == [hashlib.sha256(PDF).hexdigest()]

    rival, _ = api("bidder", org=other_supplier)
    officer, _ = api("officer")
    for outsider in (rival, officer):
        assert_problem(outsider.get(bid_docs_url(draft_bid["id"])), 404)
        assert_problem(outsider.get(file_url), 404)

    # After the opening by two officers the buyer may read the evidence.
    clock.move_to(Tender.objects.get(pk=published["id"]).submission_deadline + dt.timedelta(1))
    officer.post(f"/api/v1/tenders/{published['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{published['id']}/open/")
    assert download(officer, file_url)[1] == PDF
    assert_problem(rival.get(file_url), 404)


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_buyer_roles_cannot_add_evidence_to_a_bid(api, published, media, role):
    bidder, _ = api("bidder")
    draft_bid = bid(bidder, published["id"])
    client, _ = api(role)
    response = client.post(
        bid_docs_url(draft_bid["id"]),
        {"file": SimpleUploadedFile("planted.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code in (403, 404)
    assert response["Content-Type"] == "application/problem+json"
    assert_nothing_stored(media)


def test_another_supplier_cannot_add_evidence_to_a_rivals_bid(
    api, published, other_supplier, media
):
    bidder, _ = api("bidder")
    draft_bid = bid(bidder, published["id"])
    rival, _ = api("bidder", org=other_supplier)
    response = rival.post(
        bid_docs_url(draft_bid["id"]),
        {"file": SimpleUploadedFile("planted.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code in (403, 404)
    assert_nothing_stored(media)
