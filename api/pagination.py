from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """{"count", "next", "previous", "results"} with ?page= and ?page_size= (max 500)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated_response(request, view, items, serializer_class, **serializer_kwargs):
    """One page of ``items`` in the list envelope, for list actions and APIViews that are not
    list endpoints of a ViewSet (every list of the API is paginated the same way)."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, request, view=view)
    data = serializer_class(page, many=True, **serializer_kwargs).data
    return paginator.get_paginated_response(data)
