"""Open data: OCDS releases stored once per lifecycle milestone, records compiled with
ocdsmerge, and the public feed's reads (ARCHITECTURE.md, "Second wave")."""
