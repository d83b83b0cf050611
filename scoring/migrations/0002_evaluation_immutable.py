"""A completed evaluation can never change: the database refuses it, not only the code."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION anbud_evaluation_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'evaluations are kept: % cannot be deleted', OLD.id;
    END IF;
    IF OLD.status = 'done' THEN
        RAISE EXCEPTION 'a completed evaluation is immutable: % cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER scoring_evaluation_immutable
    BEFORE UPDATE OR DELETE ON scoring_evaluation
    FOR EACH ROW EXECUTE FUNCTION anbud_evaluation_immutable();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS scoring_evaluation_immutable ON scoring_evaluation;
DROP FUNCTION IF EXISTS anbud_evaluation_immutable();
"""
SQLITE_UP = [
    """CREATE TRIGGER scoring_evaluation_no_update BEFORE UPDATE ON scoring_evaluation
       WHEN OLD.status = 'done'
       BEGIN SELECT RAISE(ABORT, 'a completed evaluation is immutable'); END;""",
    """CREATE TRIGGER scoring_evaluation_no_delete BEFORE DELETE ON scoring_evaluation
       BEGIN SELECT RAISE(ABORT, 'evaluations are kept'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS scoring_evaluation_no_update;",
    "DROP TRIGGER IF EXISTS scoring_evaluation_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_UP] if vendor == "postgresql" else SQLITE_UP if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_DOWN] if vendor == "postgresql" else SQLITE_DOWN if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
