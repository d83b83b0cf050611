"""Who is calling: organisations x roles, and API clients logged in as them.

Alice's region and Bob's region are two buyers; Charlie and Dana are suppliers. A test asks for
``api("officer")`` (Alice's region) or ``api("officer", org=other_buyer)``.
"""

import atexit
import datetime as dt
import gc
import shutil
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from api.readcache import memory
from config.celery import app
from procurement.models import ApiToken
from procurement.services.tenders import publish_tender
from tests.factories import BuyerFactory, SupplierFactory, UserFactory
from tests.scenarios import new_tender, submitted_bid
from tests.sqlite_template import Template

# At exit, Python's last garbage collection walks every object a test worker ever made, about
# half a second per process for nothing: the process is going away. Frozen objects are left to
# the operating system; atexit handlers, flushes and module teardown still run.
atexit.register(gc.freeze)

# Real hashing costs ~0.3 s per user; tests that check passwords still check them.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The files that run longest, longest first. With ``--dist loadfile --no-loadscope-reorder``
# (make test) xdist hands out whole files in collection order; starting these first keeps both
# workers busy to the end instead of leaving one running the browser journeys alone. A file
# missing from here only runs later, not slower.
LONGEST_FIRST = (
    "tests/browser/test_workbench.py",
    "tests/api/test_schemathesis.py",
    "tests/browser/test_csp.py",
    "tests/scoring/test_evaluations_api.py",
    "tests/api/test_isolation.py",
    "tests/scoring/engine/test_oracle.py",
    "tests/admin/test_admin.py",
    "tests/scoring/engine/test_properties.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def _sqlite_template():
    """The migrated SQLite test database kept between runs (tests/sqlite_template.py)."""
    return Template() if connection.vendor == "sqlite" else None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, _sqlite_template):
    """pytest-django's per-worker database settings, then the template ready to be copied in
    when the worker first connects to its test database."""
    if _sqlite_template:
        _sqlite_template.install()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _sqlite_template):
    """pytest-django's test databases; a freshly migrated SQLite one is kept as the template."""
    if _sqlite_template:
        with django_db_blocker.unblock():
            _sqlite_template.keep()


@pytest.fixture(scope="session", autouse=True)
def _static_files_found_per_request():
    """WhiteNoise indexes every static file when its middleware is built, and every test client
    builds its own middleware: about 25 ms per client, a tenth of the suite's time. Looking a
    file up when it is asked for (as WhiteNoise does with DEBUG) serves the same files."""
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(autouse=True)
def _media_root(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if "module_db" in request.fixturenames:
        # The files the module's data stored: each test gets its own copy to change.
        shutil.copytree(request.getfixturevalue("module_media"), settings.MEDIA_ROOT)
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("module-media")


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, module_media):
    """``module_db(build)`` runs ``build()`` once for the test module and returns what it
    returns; a module-scoped fixture calls it (see tests/api/test_isolation.py).

    The rows are written in a transaction that stays open for the module and is rolled back
    after its last test, as Django's ``setUpTestData`` does: each test (``db``) runs in a
    savepoint inside it, so what a test writes is gone for the next one, and the append-only
    audit trail is never deleted from. Files go to ``module_media``, which each test of the
    module gets a copy of as its MEDIA_ROOT. Keep ids and raw tokens, not model instances or
    clients: those would carry one test's state into the next. Not for a module with
    transactional tests (``transactional_db``, ``live_server``): their flush would run inside
    the open transaction.
    """
    outer = None

    def build(make):
        nonlocal outer
        with (
            override_settings(MEDIA_ROOT=module_media, PASSWORD_HASHERS=FAST_HASHERS),
            django_db_blocker.unblock(),
        ):
            if outer is None:
                outer = transaction.atomic()
                outer.__enter__()
            return make()

    try:
        yield build
    finally:
        if outer is not None:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _read_cache_emptied():
    """Each test starts with no kept answers (api.readcache keeps them per process)."""

    memory.clear()


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """LocaleMiddleware (the admin's language) leaves its language active in the thread after a
    request; the next test starts in the default language again."""
    yield

    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process in the suite (CI sets a real broker for the worker tests, which are
    marked ``real_worker`` and keep the broker)."""
    if request.node.get_closest_marker("real_worker"):
        yield
        return

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def buyer(db):
    return BuyerFactory(name="Region Alice")


@pytest.fixture
def other_buyer(db):
    return BuyerFactory(name="Region Bob")


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Charlie Gård AB")


@pytest.fixture
def other_supplier(db):
    return SupplierFactory(name="Dana Livs AB")


@pytest.fixture
def make_user(db):
    def make(role: str, org, **kwargs):
        return UserFactory(role=role, organization=org, **kwargs)

    return make


@pytest.fixture
def officer(make_user, buyer):
    """A procurement officer of Alice's region (staff: the admin lets them in)."""
    return make_user("officer", buyer, is_staff=True)


@pytest.fixture
def second_officer(make_user, buyer):
    """Another officer of Alice's region: the second one an opening needs."""
    return make_user("officer", buyer, is_staff=True)


@pytest.fixture
def other_officer(make_user, other_buyer):
    """An officer of Bob's region."""
    return make_user("officer", other_buyer, is_staff=True)


@pytest.fixture
def bidder(make_user, supplier):
    """A bidder of Charlie's company."""
    return make_user("bidder", supplier)


@pytest.fixture
def submitted(officer, bidder):
    """(tender, bid): Alice's published tender with Charlie's submitted bid, still sealed."""

    tender = publish_tender(tender=new_tender(officer), actor=officer)
    return tender, submitted_bid(bidder, tender)


@pytest.fixture
def superuser(db):
    return UserFactory(
        organization=None, role="", is_superuser=True, is_staff=True, username="operator"
    )


@pytest.fixture
def client_for():
    def make(user):
        # No expiry: the suite moves its clock by days (token expiry has its own tests).
        _token, raw = ApiToken.objects.create(user=user, expiry=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return make


@pytest.fixture
def api(make_user, client_for, buyer, supplier):
    """api(role, org=None) -> (client, user). Buyer roles default to Alice's region,
    bidders to Charlie's company."""
    cache = {}

    def make(role: str, org=None):
        org = org or (supplier if role == "bidder" else buyer)
        key = (role, org.pk)
        if key not in cache:
            user = make_user(role, org)
            cache[key] = (client_for(user), user)
        return cache[key]

    return make


@pytest.fixture
def clock(time_machine):
    """A controllable clock: clock.move_to(datetime), clock.shift(seconds)."""

    class Clock:
        def move_to(self, when):
            time_machine.move_to(when, tick=False)

        def shift(self, seconds: float):
            time_machine.shift(dt.timedelta(seconds=seconds))

    return Clock()


@pytest.fixture
def flushable_audit_trail(db):
    """For transactional tests that write audit events or evaluations: on SQLite the
    append-only triggers refuse the DELETE of the flush after the test, so those rows are
    cleared first with the triggers lifted for that moment and put back (PostgreSQL's flush
    truncates, which fires no row triggers)."""
    yield

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _table, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        # Rows that still point at these go with the flush that follows.
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in dict.fromkeys(table for _name, table, _sql in triggers):
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
        cursor.execute("PRAGMA foreign_keys = ON")
        for _name, _table, sql in triggers:
            cursor.execute(sql)


def load_shared_library() -> None:
    """The shared criteria library as its data migrations load it (the criteria, then the
    words of their options): a transactional test elsewhere in the same worker may have
    flushed the tables since the migrations ran."""
    import_module("criteria.migrations.0004_shared_library").load(apps, None)
    import_module("criteria.migrations.0006_option_labels").label_options(apps, None)


@pytest.fixture
def shared_library(db):
    """The shared criteria library (see load_shared_library)."""
    load_shared_library()
