"""Auditors are read-only everywhere: every write operation of the URL conf answers 403.

The test walks api.urls, so a new write endpoint is covered (and must refuse auditors) without
anyone remembering to add a case. Each refusal is itself recorded (permission.denied).
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver

from api import urls
from audit.models import AuditEvent
from tests.factories import BidFactory, CriterionFactory, TenderCriterionFactory, TenderFactory

WRITE_METHODS = ("post", "put", "patch", "delete")
# POSTs that change nothing of the organisation's data, and why.
NOT_WRITES = {
    ("auth/token/", "post"): "logging in (needs no role)",
    ("auth/logout/", "post"): "revokes the caller's own token, which any role may",
    ("auth/logout-all/", "post"): "revokes the caller's own tokens, which any role may",
    (
        "evaluations/(?P<pk>[^/.]+)/verify/",
        "post",
    ): "recomputes a stored evaluation, changes nothing",
}
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def _patterns(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and "format" not in route:
            yield prefix + route, entry.callback


def _write_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset route: method -> action
        allowed = getattr(callback.cls, "http_method_names", WRITE_METHODS)
        return [m for m in actions if m in WRITE_METHODS and m in allowed]
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if cls is None:
        return []
    return [m for m in WRITE_METHODS if hasattr(cls, m) and m in cls.http_method_names]


def write_operations():
    for route, callback in _patterns(urls.urlpatterns):
        for method in _write_methods(callback):
            if (route, method) not in NOT_WRITES:
                yield route, method


@pytest.fixture
def own_objects(buyer, supplier):
    """Real objects of the auditor's organisation, so a 404 cannot hide a missing role check."""
    tender = TenderFactory(organization=buyer, status="opened")
    bid = BidFactory(tender=tender, supplier=supplier, status="submitted")
    return {
        "tenders": tender.pk,
        "bids": bid.pk,
        "criteria": CriterionFactory(organization=buyer).pk,
        "organizations": buyer.pk,
        "tender_criterion": TenderCriterionFactory(tender=tender).pk,
    }


def _url(route: str, objects) -> str:
    root = route.split("/", 1)[0]

    def value(match):
        name = match.group(1) or match.group(2)
        if name in ("tender_pk",) or (name == "pk" and root == "tenders"):
            return str(objects["tenders"])
        if name == "pk" and root in objects:
            return str(objects[root])
        return str(uuid.uuid4())

    return "/api/v1/" + _GROUP.sub(value, route)


def test_the_walk_finds_the_write_operations():
    found = set(write_operations())

    assert ("tenders/", "post") in found
    assert ("tenders/(?P<pk>[^/.]+)/publish/", "post") in found
    assert ("bids/(?P<pk>[^/.]+)/submit/", "post") in found
    assert ("criteria/(?P<pk>[^/.]+)/", "delete") in found
    assert len(found) >= 20


def test_every_write_answers_403_to_an_auditor(api, own_objects):
    client, auditor = api("auditor")
    operations = sorted(set(write_operations()))

    answers = {
        (method.upper(), _url(route, own_objects)): getattr(client, method)(
            _url(route, own_objects), {}, format="json"
        ).status_code
        for route, method in operations
    }

    assert {op: code for op, code in answers.items() if code != 403} == {}
    denied = AuditEvent.objects.filter(action="permission.denied", actor_id=auditor.pk)
    assert denied.count() == len(operations)
