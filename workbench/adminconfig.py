"""django.contrib.admin with Anbud's site (workbench.sites): entry follows from membership.

A module of its own: an apps.py that imported AdminConfig would declare two default configs.
"""

from django.contrib.admin.apps import AdminConfig


class AnbudAdminConfig(AdminConfig):
    default_site = "workbench.sites.AnbudAdminSite"
