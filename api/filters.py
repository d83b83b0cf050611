"""Filter pieces shared by the API's filter sets."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with any offset Python accepts (up to +-23:59), turned into UTC before
    it reaches the database: PostgreSQL refuses offsets beyond +-15:59, and a time whose UTC
    instant falls outside the calendar (year 1 with a positive offset) is a 400."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(
                "The time is outside the supported range.", code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
