"""The database itself refuses UPDATE and DELETE on audit events.

PostgreSQL: a plpgsql function raising an exception, fired BEFORE UPDATE OR DELETE FOR EACH ROW.
SQLite: BEFORE UPDATE and BEFORE DELETE triggers that RAISE(ABORT, ...).

The chain head (audit_chainhead) stays updatable: it is the row locked before each append.
TRUNCATE is not refused on PostgreSQL (it fires no row triggers): the test runner's flush uses
it, and only the table's owner may truncate, which the application's role should not be in
production. Any later migration that makes Django rebuild this table on SQLite (altering a
column) drops these triggers: recreate them in that migration (tests/audit check they exist).
"""

from django.db import migrations

MESSAGE = "audit events are append-only: UPDATE and DELETE are refused"

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% on audit_auditevent)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_refuse_change();
"""

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql, params=None)
    else:  # pragma: no cover - Anbud supports PostgreSQL and SQLite only
        raise RuntimeError(f"no append-only triggers for the {vendor} database")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_actor_outlives_user")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
