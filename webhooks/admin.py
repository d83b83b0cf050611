"""Webhooks in the admin: the organisation's endpoints and their delivery logs.

The same rules as the API (procurement/admin.py): the organisation's admins and officers,
every change through webhooks.services (audited), the secret shown once, on the page after
adding, never again. The delivery log is read-only, with a redelivery action.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from procurement import policy
from procurement.admin import AuditHistoryMixin, ScopedAdmin, ServiceFormsMixin, adopt, describe
from procurement.errors import DomainError
from procurement.policy import Action
from webhooks import selectors, services
from webhooks.models import Delivery, Event, WebhookEndpoint

STATE_FIELDS = ("disabled_at", "disabled_reason", "failing_since", "created_at", "updated_at")


def _manages(user) -> bool:
    return policy.may(user, Action.WEBHOOKS_MANAGE)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(label=_("address (URL)"), max_length=2000)
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = services.ENDPOINT_FIELDS


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "events_words", "active", "disabled_at", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    ordering = ("created_at",)
    actions = ["ping"]

    def scoped_queryset(self, request):
        return selectors.endpoints_for(request.user)

    def has_ping_permission(self, request):
        return _manages(request.user)

    @admin.action(
        description=_("Send a test message"),
        permissions=["ping"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def ping(self, request, queryset):
        for endpoint in queryset:
            services.ping_endpoint(endpoint=endpoint, actor=request.user)
            self.message_user(
                request,
                _("%(url)s: a test message is on its way; see the delivery log.")
                % {"url": endpoint.url},
                messages.SUCCESS,
            )

    @admin.display(description=_("events"))
    def events_words(self, obj):
        labels = dict(Event.choices)
        return ", ".join(str(labels.get(event, event)) for event in obj.events)

    def get_fields(self, request, obj=None):
        return (
            services.ENDPOINT_FIELDS if obj is None else (*services.ENDPOINT_FIELDS, *STATE_FIELDS)
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else STATE_FIELDS

    def has_module_permission(self, request):
        return _manages(request.user)

    def has_view_permission(self, request, obj=None):
        return _manages(request.user)

    def has_add_permission(self, request):
        return _manages(request.user)

    def has_change_permission(self, request, obj=None):
        return _manages(request.user)

    def has_delete_permission(self, request, obj=None):
        return _manages(request.user)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.ENDPOINT_FIELDS}
        if change:
            saved = services.update_endpoint(
                endpoint=obj,
                actor=request.user,
                changes={name: data[name] for name in form.changed_data if name in data},
            )
            adopt(obj, saved)
            return
        created = services.create_endpoint(
            actor=request.user, organization=request.user.organization, **data
        )
        adopt(obj, created.endpoint)
        self.message_user(
            request,
            _(
                "The signing secret of %(url)s: %(secret)s (copy it now to the receiving "
                "system; it cannot be shown again)."
            )
            % {"url": created.endpoint.url, "secret": created.secret},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.delete_endpoint(endpoint=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.delete_endpoint(endpoint=endpoint, actor=request.user)


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdmin):
    list_display = (
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("status", "event")
    search_fields = ("endpoint__url", "message_id", "event")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "endpoint",
        "event",
        "message_id",
        "status",
        "attempts",
        "response_status",
        "error",
        "last_attempt_at",
        "next_attempt_at",
        "manual",
        "redelivery_of",
        "created_at",
        "payload",
    )
    readonly_fields = fields
    actions = ["redeliver"]

    def scoped_queryset(self, request):
        return selectors.deliveries_for(request.user)

    def has_module_permission(self, request):
        return _manages(request.user)

    def has_view_permission(self, request, obj=None):
        return _manages(request.user)

    def has_redeliver_permission(self, request):
        return _manages(request.user)

    def save_model(self, request, obj, form, change):
        raise PermissionDenied

    @admin.action(
        description=_("Deliver again"),
        permissions=["redeliver"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def redeliver(self, request, queryset):
        for delivery in queryset:
            try:
                services.redeliver(delivery=delivery, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{delivery.event}: {describe(error)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(event)s: queued for delivery to %(url)s.")
                    % {"event": delivery.event, "url": delivery.endpoint.url},
                    messages.SUCCESS,
                )
