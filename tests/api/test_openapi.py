"""openapi.yaml is generated and committed; this fails when it drifts from the code.

`make openapi` writes it with drf-spectacular's validation against the OpenAPI schema, and
`make contract` (CI) validates the committed file again; here only the drift is checked."""

import os
import subprocess
import sys
from pathlib import Path

from tests.api.helpers import OPENAPI_YAML, openapi_document

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_code(tmp_path):
    out = tmp_path / "openapi.yaml"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--fail-on-warn",
            "--file",
            str(out),
        ],
        cwd=ROOT,
        # The schema must not depend on the database (integer ranges differ per backend).
        env={**os.environ, "DATABASE_URL": ""},
        check=True,
        capture_output=True,
    )
    committed = OPENAPI_YAML.read_text()
    assert out.read_text() == committed, "openapi.yaml is out of date: run `make openapi`"


def test_every_operation_documents_summary_description_and_errors():
    schema = openapi_document()
    missing = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if not op.get("summary"):
                missing.append(f"{method.upper()} {path}: summary")
            if path.startswith("/api/v1/") and not any(
                code.startswith("4") for code in op["responses"]
            ):
                missing.append(f"{method.upper()} {path}: error responses")
    assert missing == []
