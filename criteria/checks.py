"""Checks on a tender's criteria, weights and evaluation method before it is published."""

from typing import Any


def criteria_checks(tender) -> list[dict[str, Any]]:
    # The criteria issue adds weight sums, method parameters and the lawful-criteria checks.
    return []
