"""OCDS releases and the outbox cursor (see the package docstring)."""
