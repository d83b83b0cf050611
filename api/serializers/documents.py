from rest_framework import serializers

from api.serializers.common import StrictSerializer
from procurement.models import BidDocument, TenderDocument


class DocumentSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    filename = serializers.CharField(read_only=True, help_text="A safe base name")
    sha256 = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="Bytes")
    media_type = serializers.CharField(read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text="1 for the first upload of a file name, then 2, 3 ..."
    )
    uploaded_at = serializers.DateTimeField(read_only=True)


class TenderDocumentUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text="PDF, Office/OpenDocument, text, CSV, PNG, JPEG or ZIP; at most 50 MiB by default"
    )
    kind = serializers.ChoiceField(
        choices=TenderDocument.Kind.choices, default=TenderDocument.Kind.OTHER
    )


class BidDocumentUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text="Evidence: certificates, declarations; same types and limit as tender documents"
    )
    kind = serializers.ChoiceField(choices=BidDocument.Kind.choices, default=BidDocument.Kind.OTHER)
