"""The workbench's formats as template filters (workbench/formats.py): ``{% load anbud %}``."""

from django import template

from workbench import formats, words

register = template.Library()

register.filter("money", formats.money)
register.filter("money_of", formats.money_of)
register.filter("points", formats.points)
register.filter("share", formats.share)
register.filter("number", formats.number)
register.filter("when", formats.when)
register.filter("when_zoned", formats.when_zoned)
register.filter("day", formats.day)
register.filter("yes_no", formats.yes_no)
register.filter("answer", formats.answer)
register.filter("action_words", words.action)
register.filter("object_words", words.object_type)
register.filter("role_words", words.role)
register.filter("data_words", words.data)
register.filter("value_words", words.value)
register.filter("tie_rule_words", words.tie_rule)
