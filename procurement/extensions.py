"""What the apps above procurement plug into it, registered once when Django starts.

procurement sits below criteria (the layers contract in pyproject.toml), yet two of its rules
concern criteria: a tender's pre-publish checks include the checks on its criteria, and a bid's
answers must fit the tender's criteria. procurement names the two here; criteria provides them
in ``criteria.apps.CriteriaConfig.ready`` (see docs/adr/0012-layers.md).
"""

from collections.abc import Callable
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

Check = dict[str, Any]
CheckProvider = Callable[[Any], list[Check]]


class BidAnswers(Protocol):
    """How a bid's answers are validated and stored, and which are missing."""

    def set_responses(self, bid: Any, responses: list[dict[str, Any]]) -> None: ...

    def missing_answers(self, bid: Any) -> list[dict[str, str]]: ...


_check_providers: list[CheckProvider] = []
_answers: list[BidAnswers] = []


def add_publish_checks(provider: CheckProvider) -> None:
    """Checks that run with procurement's own before a tender is published (once each)."""
    if provider not in _check_providers:
        _check_providers.append(provider)


def publish_checks(tender: Any) -> list[Check]:
    return [found for provider in _check_providers for found in provider(tender)]


def provide_bid_answers(answers: BidAnswers) -> None:
    _answers[:] = [answers]


def bid_answers() -> BidAnswers:
    if not _answers:
        raise ImproperlyConfigured("No app provides bid answers: is 'criteria' installed?")
    return _answers[0]
