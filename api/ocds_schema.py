"""The OCDS 1.1 release and record packages Anbud publishes, as OpenAPI components: typed for
the fields Anbud writes (so that generated clients get models), open for the rest (OCDS allows
extensions). The output is validated offline against the official OCDS 1.1.5 schemas with the
extensions applied (publication/schema/) in tests/publication. No field is ever null: OCDS
wants an unknown field omitted."""


def _object(properties: dict, required: tuple = (), description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
DATETIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


PACKAGE = {
    "uri": {"type": "string", "format": "uri"},
    "version": {"type": "string", "example": "1.1"},
    "publishedDate": DATETIME,
    "publisher": _object({"name": STRING, "uri": STRING}, ("name",)),
    "license": STRING,
    "publicationPolicy": STRING,
    "extensions": {"type": "array", "items": {"type": "string", "format": "uri"}},
}

OCDS_COMPONENTS = {
    "OcdsValue": _object(
        {"amount": {"type": "number", "description": "An exact JSON number"}, "currency": STRING},
        ("amount", "currency"),
    ),
    "OcdsOrganizationReference": _object({"id": STRING, "name": STRING}, ("id",)),
    "OcdsParty": _object(
        {
            "id": STRING,
            "name": STRING,
            "roles": {"type": "array", "items": STRING},
            "identifier": _object({"scheme": STRING, "id": STRING, "legalName": STRING}),
            "details": _object({"scale": STRING}),
        },
        ("id",),
    ),
    "OcdsItem": _object(
        {
            "id": STRING,
            "classification": _object({"scheme": STRING, "id": STRING}, ("scheme", "id")),
        },
        ("id",),
    ),
    "OcdsCriterionNumber": _object(
        {"number": {"type": "number"}, "weight": STRING},
        description="A number of a criterion: its weight (percentageExact, pointsExact)",
    ),
    "OcdsAwardCriterion": _object(
        {
            "type": {"type": "string", "enum": ["price", "cost", "quality"]},
            "name": STRING,
            "description": STRING,
            "numbers": {"type": "array", "items": ref("OcdsCriterionNumber")},
        },
        description="One award criterion (the awardCriteria extension)",
    ),
    "OcdsSustainability": _object(
        {"goal": STRING, "strategies": {"type": "array", "items": STRING}},
        description="A sustainability goal and the strategies that pursue it (the extension)",
    ),
    "OcdsLot": _object(
        {
            "id": STRING,
            "title": STRING,
            "description": STRING,
            "status": STRING,
            "value": ref("OcdsValue"),
            "awardCriteria": _object(
                {
                    "weightingDescription": STRING,
                    "criteria": {"type": "array", "items": ref("OcdsAwardCriterion")},
                }
            ),
            "hasSustainability": {"type": "boolean"},
            "sustainability": {"type": "array", "items": ref("OcdsSustainability")},
        },
        ("id",),
    ),
    "OcdsPeriod": _object({"startDate": DATETIME, "endDate": DATETIME}),
    "OcdsTender": _object(
        {
            "id": STRING,
            "title": STRING,
            "description": STRING,
            "status": STRING,
            "procurementMethod": STRING,
            "procurementMethodDetails": STRING,
            "mainProcurementCategory": {"type": "string", "enum": ["goods", "works", "services"]},
            "value": ref("OcdsValue"),
            "tenderPeriod": ref("OcdsPeriod"),
            "items": {"type": "array", "items": ref("OcdsItem")},
            "lots": {"type": "array", "items": ref("OcdsLot")},
            "awardCriteria": STRING,
            "eligibilityCriteria": STRING,
            "hasSustainability": {"type": "boolean"},
            "sustainability": {"type": "array", "items": ref("OcdsSustainability")},
            "numberOfTenderers": {"type": "integer"},
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
                {
                    "statistics": {"type": "array", "items": ref("OcdsBidStatistic")},
                    "details": {
                        "type": "array",
                        "items": {"type": "object", "additionalProperties": True},
                    },
                },
                description=(
                    "The bid extension: counts after the opening; the winning bids' details "
                    "after the award"
                ),
            ),
            "awards": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        },
        ("ocid", "id", "date", "tag", "initiationType"),
    ),
    "OcdsReleasePackage": _object(
        {
            **PACKAGE,
            "releases": {"type": "array", "items": ref("OcdsRelease")},
            "links": _object(
                {"next": {"type": "string", "format": "uri"}, "prev": STRING},
                description="The public feed's pages: next, absent on the last",
            ),
        },
        ("uri", "publishedDate", "publisher", "releases", "version"),
        "An Open Contracting Data Standard 1.1 release package",
    ),
    "OcdsRecordPackage": _object(
        {
            **PACKAGE,
            "records": {
                "type": "array",
                "items": _object(
                    {
                        "ocid": STRING,
                        "releases": {"type": "array", "items": ref("OcdsRelease")},
                        "compiledRelease": ref("OcdsRelease"),
                    },
                    ("ocid", "releases"),
                ),
            },
        },
        ("uri", "publishedDate", "publisher", "records", "version"),
        "An Open Contracting Data Standard 1.1 record package: one tender's releases and its "
        "compiled release",
    ),
}
