"""A migrated SQLite test database, kept between runs.

Migrating a test worker's empty in-memory database takes more than a second at every run, in
every worker, for the same result. That result is kept in build/test-db/ under a name made of
everything that decides it: the migration files (ours and the installed apps'), the data files
ours read, the settings they read, and the versions of Django and SQLite. A worker that finds
its template copies it into the in-memory database when it first connects, before ``migrate``
runs; ``migrate`` then has nothing to apply and runs only its checks and post-migrate handlers.
A worker that finds none migrates as before and leaves its database for the next run. A change
to any migration makes a new name, so a stale schema is never used. PostgreSQL is untouched.
"""

import hashlib
import importlib.util
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "build" / "test-db"
DATA_READ_BY_MIGRATIONS = sorted((ROOT / "criteria" / "library").glob("*.json"))


def _migration_files() -> list[Path]:
    files = []
    for app in apps.get_app_configs():
        module, _explicit = MigrationLoader.migrations_module(app.label)
        spec = importlib.util.find_spec(module) if module else None
        for folder in (spec and spec.submodule_search_locations) or ():
            files += sorted(Path(folder).glob("*.py"))
    return files


def template_path() -> Path:
    digest = hashlib.sha256()
    decided_by = (
        django.__version__,
        sqlite3.sqlite_version,
        settings.INSTALLED_APPS,
        settings.MIGRATION_MODULES,
        settings.AUTH_USER_MODEL,
        settings.CACHES,
    )
    digest.update(repr(decided_by).encode())
    for path in _migration_files() + DATA_READ_BY_MIGRATIONS:
        digest.update(path.relative_to(path.parents[2]).as_posix().encode())
        digest.update(path.read_bytes())
    return TEMPLATES / f"{digest.hexdigest()[:16]}.sqlite3"


class Template:
    """Wires the copy into the worker's first connection to its test database."""

    def __init__(self) -> None:
        self.path = template_path()
        self.restored = False

    def install(self) -> None:
        connection_created.connect(self._restore, weak=False)

    def _restore(self, sender, connection, **kwargs) -> None:
        if self.restored or not connection.is_in_memory_db() or not self.path.exists():
            return
        with closing(sqlite3.connect(self.path)) as template:
            template.backup(connection.connection)
        self.restored = True

    def keep(self) -> None:
        """After ``migrate``: leave this worker's database for the next run, if none was there.
        Written beside the final name and renamed, so a worker never reads a half-written file."""
        connection_created.disconnect(self._restore)
        if self.restored or self.path.exists() or not connection.is_in_memory_db():
            return
        connection.ensure_connection()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for old in self.path.parent.glob("*.sqlite3"):
            old.unlink(missing_ok=True)  # the schema of migrations as they were
        partial = self.path.with_suffix(f".{os.getpid()}.partial")
        with closing(sqlite3.connect(partial)) as copy:
            connection.connection.backup(copy)
        partial.replace(self.path)
