"""eventapp: the KICXUP Global expo platform.

Importing the package is cheap on purpose: the pure solvers
(`python -m eventapp.meetings.scheduler`, `python -m eventapp.booths.assigner`) import
it too, from any working directory. Flask, the extensions and the top-level `config`
module (which lives beside the package, not inside it, so it is importable only from
the project directory) are imported by `create_app` alone.
"""

import importlib
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Domain packages in the order their blueprints are registered. Each one that
# has a `views.bp` is mounted; each `models` module is imported so that
# Flask-Migrate sees every table.
DOMAINS = (
    "core",
    "accounts",
    "organizations",
    "events",
    "notifications",
    "booths",
    "exhibitors",
    "meetings",
    "badges",
    "checkin",
    "calendar",
)


def _import_optional(name):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        # Only a missing module of our own is optional; a missing dependency is a bug.
        if not (error.name and name.startswith(error.name)):
            raise
        return None


def create_app(config=None):
    from flask import Flask

    # `config` is the settings module beside this package (see the module docstring).
    from config import check_production_settings, load_config
    from eventapp.extensions import babel, compress, csrf, db, login_manager, migrate

    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=os.environ.get("EVENTAPP_INSTANCE", str(PROJECT_DIR / "instance")),
    )
    if config is None or isinstance(config, str):
        config = load_config(config)
    if isinstance(config, dict):
        app.config.from_object(load_config("development"))
        app.config.update(config)
    else:
        app.config.from_object(config)
    check_production_settings(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # JSON answers carry Korean text: as UTF-8 it is half the bytes of \uXXXX escapes
    # on a gate phone's flaky Wi-Fi, and unsorted keys spare each answer a sort.
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from eventapp.core.i18n import keep_chosen_language, select_locale

    db.init_app(app)
    # First, so that it runs last: it compresses the body the other hooks leave.
    compress.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Seoul")
    app.after_request(keep_chosen_language)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # Flask-Login's own message is English only; this one is translated.
    from eventapp.core.i18n import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to open this page.")

    from eventapp.core.urls import RowIdConverter

    # Before any blueprint adds its rules: each rule takes its converters when added.
    app.url_map.converters["int"] = RowIdConverter
    for domain in DOMAINS:
        _import_optional(f"eventapp.{domain}.models")
    for domain in DOMAINS:
        views = _import_optional(f"eventapp.{domain}.views")
        if views is not None and hasattr(views, "bp"):
            app.register_blueprint(views.bp)
        cli = _import_optional(f"eventapp.{domain}.cli")
        if cli is not None and hasattr(cli, "register"):
            cli.register(app)

    from eventapp.core import errors, headers, static_files, templating
    from eventapp.core.cli import speak_english
    from eventapp.core.proxy import install_proxy_fix

    speak_english(app)  # once every domain's commands are registered
    errors.register(app)
    templating.register(app)
    static_files.register(app)
    headers.register(app)
    install_proxy_fix(app)
    _configure_sqlite(app)
    return app


def _configure_sqlite(app):
    """Make SQLite transactions take the write lock up front.

    pysqlite's deferred transactions let two writers read the same state and
    then fail (or worse, both succeed on stale reads). BEGIN IMMEDIATE
    serializes them; busy_timeout makes the second one wait its turn.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event as sa_event

    from eventapp.extensions import db

    with app.app_context():
        engine = db.engine

        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        app.extensions["sqlite_begin"] = _on_begin
