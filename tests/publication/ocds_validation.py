"""Validating Anbud's OCDS output against the official OCDS 1.1.5 schemas with the declared
extensions applied (publication/schema/, offline): Draft 4, as OCDS uses, with format checks
(date-time by rfc3339-validator; uri checked here: absolute http(s) only)."""

import json
from decimal import Decimal
from urllib.parse import urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from publication import ocds
from publication.schemas import RELEASE_SCHEMA_URL, package_schema, release_schema

FORMATS = jsonschema.Draft4Validator.FORMAT_CHECKER


@FORMATS.checks("uri")
def _absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


_RELEASE = release_schema()
_REGISTRY = Registry().with_resource(
    RELEASE_SCHEMA_URL, Resource.from_contents(_RELEASE, default_specification=DRAFT4)
)


def _validator(schema: dict) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(schema, registry=_REGISTRY, format_checker=FORMATS)


RELEASE = _validator(_RELEASE)
RELEASE_PACKAGE = _validator(package_schema("release-package-schema.json"))
RECORD_PACKAGE = _validator(package_schema("record-package-schema.json"))


def _no_nulls(value, path="") -> None:
    if value is None:
        raise AssertionError(f"null at {path}: OCDS wants the field omitted")
    if isinstance(value, float):
        raise AssertionError(f"a float at {path}: amounts are exact")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nulls(item, f"{path}/{key}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _no_nulls(item, f"{path}/{i}")


def parse(text: str | bytes) -> dict:
    return json.loads(text, parse_float=Decimal)


def _errors(validator, document) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(json.loads(json.dumps(document, default=float)))
    ]


def check_release(release: dict) -> None:
    errors = _errors(RELEASE, release)
    assert not errors, errors
    _no_nulls(release)
    assert release["ocid"].startswith("ocds-") and len(release["ocid"].split("-")[1]) == 6


def check_release_package(package: dict) -> None:
    errors = _errors(RELEASE_PACKAGE, package)
    assert not errors, errors
    _no_nulls(package)
    assert package["extensions"] == ocds.EXTENSIONS
    for release in package["releases"]:
        check_release(release)


def check_record_package(package: dict) -> None:
    errors = _errors(RECORD_PACKAGE, package)
    assert not errors, errors
    _no_nulls(package)
    for record in package["records"]:
        for release in record["releases"]:
            check_release(release)
        check_release(record["compiledRelease"])
        assert record["compiledRelease"]["tag"] == ["compiled"]
