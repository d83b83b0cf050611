"""The OCDS 1.1 release package Anbud publishes, as OpenAPI components: typed for the fields
Anbud writes (so that generated clients get models), open for the rest (OCDS allows
extensions). Validated offline against the official schemas in tests/procurement."""


def _object(properties: dict, required: tuple = (), description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def or_null(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


OCDS_COMPONENTS = {
    "OcdsValue": _object(
        {"amount": {"type": "number", "description": "An exact JSON number"}, "currency": STRING},
        ("amount", "currency"),
    ),
    "OcdsOrganizationReference": _object({"id": STRING, "name": STRING}, ("id",)),
    "OcdsParty": _object(
        {"id": STRING, "name": STRING, "roles": {"type": "array", "items": STRING}}, ("id",)
    ),
    "OcdsItem": _object(
        {
            "id": STRING,
            "classification": _object({"scheme": STRING, "id": STRING}, ("scheme", "id")),
        },
        ("id",),
    ),
    "OcdsLot": _object(
        {"id": STRING, "title": STRING, "description": STRING, "value": or_null(ref("OcdsValue"))},
        ("id",),
    ),
    "OcdsAwardCriteriaItem": _object(
        {
            "id": STRING,
            "type": STRING,
            "kind": STRING,
            "description": STRING,
            "weight": {"type": ["number", "null"]},
            "value": or_null(ref("OcdsValue")),
            "relatedLot": {"type": ["string", "null"]},
        },
        ("id",),
        "One criterion (the awardCriteria extension)",
    ),
    "OcdsPeriod": _object({"startDate": NULLABLE_DATETIME, "endDate": NULLABLE_DATETIME}),
    "OcdsTender": _object(
        {
            "id": STRING,
            "title": STRING,
            "description": STRING,
            "status": STRING,
            "procurementMethod": STRING,
            "procurementMethodDetails": STRING,
            "mainProcurementCategory": STRING,
            "value": or_null(ref("OcdsValue")),
            "tenderPeriod": ref("OcdsPeriod"),
            "items": {"type": "array", "items": ref("OcdsItem")},
            "lots": {"type": "array", "items": ref("OcdsLot")},
            "lotDetails": or_null(_object({"noLotsReason": STRING})),
            "awardCriteria": {"type": ["string", "null"]},
            "awardCriteriaDetails": STRING,
            "awardCriteriaItems": {"type": "array", "items": ref("OcdsAwardCriteriaItem")},
        },
        ("id",),
    ),
    "OcdsBidStatistic": _object(
        {"id": STRING, "measure": STRING, "value": {"type": "number"}}, ("id", "measure")
    ),
    "OcdsRelease": _object(
        {
            "ocid": STRING,
            "id": STRING,
            "date": DATETIME,
            "tag": {"type": "array", "items": STRING},
            "initiationType": STRING,
            "language": STRING,
            "parties": {"type": "array", "items": ref("OcdsParty")},
            "buyer": ref("OcdsOrganizationReference"),
            "tender": ref("OcdsTender"),
            "bids": _object(
                {"statistics": {"type": "array", "items": ref("OcdsBidStatistic")}},
                description="Counts only (the bids extension); after the opening",
            ),
            "awards": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        },
        ("ocid", "id", "date", "tag", "initiationType"),
    ),
    "OcdsReleasePackage": _object(
        {
            "uri": STRING,
            "version": {"type": "string", "example": "1.1"},
            "publishedDate": DATETIME,
            "publisher": _object({"name": STRING}, ("name",)),
            "extensions": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "releases": {"type": "array", "items": ref("OcdsRelease")},
        },
        ("uri", "publishedDate", "publisher", "releases", "version"),
        "An Open Contracting Data Standard 1.1 release package",
    ),
}
