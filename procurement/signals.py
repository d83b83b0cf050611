"""A changed password revokes every API token of the user (admin, API or shell alike)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from procurement.models import User
from procurement.services.tokens import revoke_all_tokens


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance: User, update_fields=None, **kwargs) -> None:
    if update_fields is not None and "password" not in update_fields:
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = old is not None and old != instance.password


@receiver(post_save, sender=User)
def _revoke_tokens_after_password_change(sender, instance: User, **kwargs) -> None:
    if getattr(instance, "_password_changed", False):
        instance._password_changed = False
        revoke_all_tokens(user=instance, actor=None, reason="password_changed")
