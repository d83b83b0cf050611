"""What a supplier must provide per lot, and where a small supplier is likely shut out.

A buyer sees this before publishing; it makes the promise of "tender documents that small
suppliers and non-profits can answer" measurable.
"""

import re
from decimal import Decimal
from typing import Any

from criteria.models import Kind, Level, Source, TenderCriterion

_CERTIFICATE = re.compile(r"certifi|märk|label|iso\s?\d|intyg|licen", re.IGNORECASE)
MANY_REQUIREMENTS = 15


def supplier_burden(tender) -> list[dict[str, Any]]:
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    lots = list(tender.lots.all().order_by("number"))
    result = []
    for lot in lots:
        applicable = [tc for tc in criteria if tc.lot_id in (None, lot.pk)]
        requirements = [tc for tc in applicable if tc.kind == Kind.REQUIREMENT]
        award = [tc for tc in applicable if tc.kind == Kind.AWARD]
        conditions = [tc for tc in applicable if tc.kind == Kind.CONTRACT_CONDITION]
        certificates = [
            tc.code
            for tc in applicable
            if tc.kind != Kind.CONTRACT_CONDITION
            and _CERTIFICATE.search(f"{tc.verification} {tc.verification_en}")
        ]
        texts = [tc.code for tc in applicable if (tc.rule or {}).get("type") == "manual"]
        flags = []
        value = lot.estimated_value
        turnover = lot.minimum_turnover
        ratio = None
        if turnover is not None and value:
            ratio = (turnover / value).quantize(Decimal("0.01"))
            if turnover > 2 * value:
                flags.append(
                    _flag(
                        "minimum_turnover_above_legal_limit",
                        "error",
                        "Omsättningskravet är mer än dubbla värdet (art. 58.3).",
                        "The turnover requirement is more than twice the value (art. 58(3)).",
                    )
                )
            elif turnover > value:
                flags.append(
                    _flag(
                        "minimum_turnover_above_lot_value",
                        "warning",
                        "Omsättningskravet är högre än delkontraktets värde; lagligt, men det stänger ute många små leverantörer.",
                        "The turnover requirement exceeds the lot's value: lawful, but it shuts out many small suppliers.",
                    )
                )
        if len(requirements) > MANY_REQUIREMENTS:
            flags.append(
                _flag(
                    "many_requirements",
                    "warning",
                    f"{len(requirements)} ska-krav: varje krav kostar ett litet företag tid att visa.",
                    f"{len(requirements)} mandatory requirements: each costs a small supplier time to prove.",
                )
            )
        spearhead = [tc.code for tc in requirements if tc.level == Level.SPEARHEAD]
        if spearhead:
            flags.append(
                _flag(
                    "spearhead_as_requirement",
                    "warning",
                    "Spjutspetskrav som ska-krav utesluter de flesta leverantörer; överväg dem som tilldelningskriterier.",
                    "Spearhead-level criteria as mandatory requirements exclude most suppliers; consider them as award criteria.",
                    criteria=spearhead,
                )
            )
        if len(certificates) > 3:
            flags.append(
                _flag(
                    "many_certificates",
                    "warning",
                    f"{len(certificates)} intyg eller märkningar krävs; godta alltid likvärdiga bevis.",
                    f"{len(certificates)} certificates or labels are asked for; always accept equivalent proof.",
                    criteria=certificates,
                )
            )
        if (
            len(lots) == 1
            and value
            and value > Decimal("10000000")
            and not tender.no_lots_reason.strip()
        ):
            flags.append(
                _flag(
                    "large_single_lot",
                    "warning",
                    "Ett stort kontrakt utan delkontrakt är svårt för små leverantörer (art. 46).",
                    "A large contract without lots is hard for small suppliers (art. 46).",
                )
            )
        result.append(
            {
                "lot": {"id": str(lot.pk), "number": lot.number, "title": lot.title},
                "estimated_value": _money(value, tender.currency),
                "minimum_turnover": _money(turnover, tender.currency),
                "turnover_to_value_ratio": format(ratio, "f") if ratio is not None else None,
                "requirements": len(requirements),
                "award_criteria": len(award),
                "contract_conditions": len(conditions),
                "answers_from_profile": len(
                    [tc for tc in applicable if tc.source == Source.SUPPLIER_PROFILE]
                ),
                "certificates": certificates,
                "written_answers": texts,
                "documents_to_provide": len(certificates) + len(texts),
                "flags": flags,
            }
        )
    return result


def _flag(code: str, severity: str, sv: str, en: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": {"sv": sv, "en": en}, **details}


def _money(amount, currency):
    if amount is None:
        return None
    return {"amount": format(amount, "f"), "currency": currency}
