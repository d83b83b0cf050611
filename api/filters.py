"""Filter pieces shared by the API's filter sets."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError as ApiValidationError


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
                _("The time is outside the supported range."), code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


UPDATED_SINCE_HELP = (
    "Only what was created or changed at or after this time (ISO 8601, e.g. "
    "2027-03-01T08:00:00Z): poll with the time of your last read (the `Date` of its answer) "
    "to get the changes since."
)


def updated_since_filter() -> UtcIsoDateTimeFilter:
    """``?updated_since=``: the objects changed at or after a time (``updated_at >=``)."""
    return UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )


def _is_one_object(view) -> bool:
    """A request about one object (retrieve or a detail action): query filters do not apply."""
    return bool(getattr(view, "detail", False))


class CollectionFilterBackend(DjangoFilterBackend):
    """django-filter for collections only: an object addressed by its id is not filtered (and
    no FilterSet is built, validated and deep-copied for it)."""

    def filter_queryset(self, request, queryset, view):
        return (
            queryset if _is_one_object(view) else super().filter_queryset(request, queryset, view)
        )


class CollectionOrderingFilter(filters.OrderingFilter):
    """Ordering of collections; an unknown field is a 400 naming it (DRF ignores it)."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.lstrip("-") not in valid]
            if unknown:
                raise ApiValidationError(
                    {
                        self.ordering_param: [
                            _("Unknown ordering field %(fields)s; use %(valid)s.")
                            % {
                                "fields": ", ".join(unknown),
                                "valid": ", ".join(sorted(valid)) or "-",
                            }
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def filter_queryset(self, request, queryset, view):
        return (
            queryset if _is_one_object(view) else super().filter_queryset(request, queryset, view)
        )

    def get_schema_operation_parameters(self, view):
        """``ordering`` as what it is: a comma-separated list of the fields the view orders by,
        each optionally reversed with ``-`` (the server refuses any other with 400)."""
        parameters = super().get_schema_operation_parameters(view)
        request = getattr(view, "request", None)
        # A view whose fields depend on the request names them all for the schema.
        valid = sorted(
            getattr(view, "schema_ordering_fields", None)
            or [
                name
                for name, _label in self.get_valid_fields(
                    view.get_queryset(), view, {"request": request}
                )
            ]
        )
        for parameter in parameters:
            if parameter["name"] == self.ordering_param and valid:
                parameter["description"] = (
                    "Fields to order by, separated by commas; `-` before a field reverses it."
                )
                parameter["schema"] = {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": [way for name in valid for way in (name, f"-{name}")],
                    },
                }
                parameter["style"] = "form"
                parameter["explode"] = False
        return parameters


class CollectionSearchFilter(filters.SearchFilter):
    def filter_queryset(self, request, queryset, view):
        return (
            queryset if _is_one_object(view) else super().filter_queryset(request, queryset, view)
        )
