"""The printable records a page offers: ``{% load printing %}{% record_links tender evaluation
as records %}`` (workbench/records.py ``links_for``; no evaluation on the tender page)."""

from typing import Any

from django import template

from workbench import records

register = template.Library()


@register.simple_tag(takes_context=True)
def record_links(context: Any, tender: Any, evaluation: Any = None) -> list[dict]:
    request = context.get("request")
    if not tender or request is None:
        return []
    return records.links_for(request.user, tender, evaluation or None)
