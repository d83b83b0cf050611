"""The OCDS 1.1.5 schemas Anbud publishes against, read from ``publication/schema/`` (never
downloaded): the release schema with the declared extensions applied as JSON Merge Patches
(RFC 7386), as the standard says an extension is applied."""

import copy
import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

# The extension patches, in the order of ``publication.ocds.EXTENSIONS``.
EXTENSION_FILES = (
    "ocds_lots_extension.json",
    "ocds_bid_extension.json",
    "ocds_awardCriteria_extension.json",
    "ocds_sustainability_extension.json",
)


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@functools.cache
def _release_schema() -> dict[str, Any]:
    schema = _load("release-schema.json")
    for name in EXTENSION_FILES:
        schema = merge_patch(schema, _load(name))
    return schema


def release_schema() -> dict[str, Any]:
    """The release schema with the extensions applied (a fresh copy: callers may change it)."""
    return copy.deepcopy(_release_schema())


def _dangling(node: Any, definitions: dict[str, Any]) -> bool:
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    return ref.startswith("#/definitions/") and ref.split("/")[-1] not in definitions


def _drop_dangling(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {
            key: _drop_dangling(value, definitions)
            for key, value in node.items()
            if not _dangling(value, definitions)
            and not (isinstance(value, dict) and _dangling(value.get("items"), definitions))
        }
    if isinstance(node, list):
        return [_drop_dangling(item, definitions) for item in node]
    return node


def merge_schema() -> dict[str, Any]:
    """The release schema for ocdsmerge's merge rules, which resolves every ``$ref`` at once.

    The lots extension's ``Lot.submissionTerms`` refers to ``SubmissionTerms`` of the
    submissionTerms extension, which Anbud neither declares nor writes: fields whose ``$ref``
    points at a definition that is not there are left out of this copy (a validator resolves
    them only when a release has them, so validation uses ``release_schema`` as it is)."""
    schema = release_schema()
    return _drop_dangling(schema, schema.get("definitions", {}))


def package_schema(name: str) -> dict[str, Any]:
    """``release-package-schema.json`` or ``record-package-schema.json`` as published (their
    ``$ref`` to the release schema's URL is resolved by the validator's registry)."""
    return _load(name)


RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
