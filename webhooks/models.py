"""Webhook endpoints, deliveries and the outbox cursor (see the package docstring)."""
