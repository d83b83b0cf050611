"""The test database is the migrated one, whether a worker migrated it or copied the kept
template in (tests/sqlite_template.py), and a changed migration never reuses an old template."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import sqlite_template


@pytest.mark.django_db
def test_the_test_database_has_every_migration_and_the_audit_triggers():
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the template is for SQLite only")
def test_every_migration_file_is_in_the_name_and_a_changed_data_file_names_a_new_template(
    monkeypatch, tmp_path
):
    files = {
        path.relative_to(path.parents[2]).as_posix() for path in sqlite_template._migration_files()
    }
    assert "audit/migrations/0004_append_only_triggers.py" in files
    assert "auth/migrations/0001_initial.py" in files  # the installed apps' migrations too

    before = sqlite_template.template_path()
    assert sqlite_template.template_path() == before
    changed = tmp_path / "library" / "shared_criteria.json"
    changed.parent.mkdir()
    changed.write_text("[]")
    monkeypatch.setattr(sqlite_template, "DATA_READ_BY_MIGRATIONS", [changed])
    with_empty_library = sqlite_template.template_path()
    assert with_empty_library != before
    changed.write_text("[ ]")
    assert sqlite_template.template_path() not in (before, with_empty_library)
