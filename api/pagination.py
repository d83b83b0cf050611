import re

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

_WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")


class PageNumberPagination(pagination.PageNumberPagination):
    """{"count", "next", "previous", "results"} with ?page= and ?page_size= (max 500).

    Both are validated as the OpenAPI document says (whole numbers, ``page`` from 1,
    ``page_size`` 1-500): anything else is a 400 naming the parameter, where DRF would quietly
    use its default or the maximum. A page beyond the end is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param, "")
        if value == "":
            return 1
        if not _WHOLE_NUMBER.match(value) or int(value) < 1:
            raise ValidationError(
                {self.page_query_param: [_("A page number is a whole number from 1.")]}
            )
        return int(value)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        if not _WHOLE_NUMBER.match(value) or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Results per page are a whole number from 1 to %(max)s.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = "A page number (from 1)."
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}, at most {self.max_page_size})."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


def paginated_response(request, view, items, serializer_class, **serializer_kwargs):
    """One page of ``items`` in the list envelope, for list actions and APIViews that are not
    list endpoints of a ViewSet (every list of the API is paginated the same way)."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, request, view=view)
    data = serializer_class(page, many=True, **serializer_kwargs).data
    return paginator.get_paginated_response(data)
