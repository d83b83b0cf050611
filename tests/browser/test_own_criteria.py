"""An officer in Swedish adds an own criterion of every rule type in the workbench, typing
numbers the Swedish way (a decimal comma), and each is stored exactly as meant."""

from decimal import Decimal

import pytest

from criteria.models import TenderCriterion
from tests.browser.test_workbench import Workbench, staff
from tests.scenarios import new_tender

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# rule type -> (fields to fill, the rule stored)
CASES = {
    "boolean": ({}, {"type": "boolean"}),
    "linear": ({"worst": "0", "best": "12,5"}, {"type": "linear", "worst": "0", "best": "12.5"}),
    "thresholds": (
        {
            "row_1_bound": "50",
            "row_1_fulfilment": "0,5",
            "row_2_bound": "80",
            "row_2_fulfilment": "1",
        },
        {
            "type": "thresholds",
            "steps": [
                {"at_least": "50", "fulfilment": "0.5"},
                {"at_least": "80", "fulfilment": "1"},
            ],
        },
    ),
    "choice": (
        {
            "row_1_option": "ingen",
            "row_1_fulfilment": "0",
            "row_2_option": "delvis",
            "row_2_fulfilment": "0,5",
            "row_3_option": "full",
            "row_3_fulfilment": "1",
        },
        {"type": "choice", "options": {"ingen": "0", "delvis": "0.5", "full": "1"}},
    ),
    "manual": ({"scale_max": "5"}, {"type": "manual", "scale_max": 5}),
}


def test_an_own_criterion_of_every_rule_type_with_swedish_decimals(
    browser, live_server, make_user, buyer, flushable_audit_trail
):
    officer = staff(make_user, buyer, "dagny")
    tender = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "50",
            "price_scoring": "proportional",
        },
    )
    desk = Workbench(browser, live_server.url, "dagny", locale="sv-SE")
    desk.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
    page = desk.page
    for number, (rule_type, (fields, stored)) in enumerate(CASES.items(), start=1):
        desk.go(f"/admin/procurement/tender/{tender.pk}/criteria/new/?type={rule_type}")
        assert page.locator("#id_code").count() == 1  # each field once, no duplicated ids
        if rule_type in ("boolean", "choice"):
            desk.check(f"sv-own-criterion-{rule_type}")
        page.fill("#id_code", f"EGET-{number}")
        page.fill("#id_title", f"Eget kriterium {number}")
        page.select_option("#id_category", "environmental")
        for name, value in fields.items():
            page.fill(f"#id_{name}", value)
        page.fill("#id_weight", "10,5")
        desk.press("Lägg till kriteriet")
        assert f"EGET-{number} har lagts till i upphandlingen." in desk.messages(), (
            rule_type,
            desk.messages(),
            page.locator(".errorlist").all_inner_texts(),
        )
        added = TenderCriterion.objects.get(tender=tender, code=f"EGET-{number}")
        assert added.rule == stored, rule_type
        assert added.weight == Decimal("10.5")
