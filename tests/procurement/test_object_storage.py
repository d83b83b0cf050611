"""Documents in S3-compatible object storage (django-storages), so that several web nodes
share them: upload, download, hashes and the orphan purge work the same as on disk.

The object store is moto's S3 server, started by the test as a separate server on loopback."""

import datetime as dt
import hashlib
import socket

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.models import TenderDocument
from procurement.services import documents as document_services
from tests.api.helpers import create_tender

BUCKET = "anbud-documents"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0123456789" * 40 + b"\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    server_module = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-north-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    yield endpoint, client
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings, monkeypatch):
    endpoint, client = s3_server
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "eu-north-1",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def test_a_document_goes_to_the_object_store_and_comes_back_byte_for_byte(api, object_storage):
    assert type(storages["default"]).__name__ == "S3Storage"
    client, _ = api("officer")
    tender = create_tender(client)
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/documents/",
        {"file": SimpleUploadedFile("spec.pdf", PDF), "kind": "specification"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()

    keys = [o["Key"] for o in object_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    stored = TenderDocument.objects.get(pk=doc["id"]).file.name
    assert keys == [stored]
    body = object_storage.get_object(Bucket=BUCKET, Key=stored)["Body"].read()
    assert body == PDF

    download = client.get(f"/api/v1/tenders/{tender['id']}/documents/{doc['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_the_orphan_purge_finds_and_deletes_orphans_in_the_object_store(api, object_storage):
    client, _ = api("officer")
    tender = create_tender(client)
    kept = client.post(
        f"/api/v1/tenders/{tender['id']}/documents/",
        {"file": SimpleUploadedFile("spec.pdf", PDF), "kind": "specification"},
        format="multipart",
    ).json()
    orphan = f"{document_services.FILE_ROOT}/tenders/{tender['id']}/left-over.pdf"
    object_storage.put_object(Bucket=BUCKET, Key=orphan, Body=PDF)

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert document_services.purge_orphan_files(now=later) == [orphan]
    keys = [o["Key"] for o in object_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [TenderDocument.objects.get(pk=kept["id"]).file.name]
