"""The application factory: config -> extensions -> blueprints -> errors -> cli."""

from __future__ import annotations

from inspect import iscoroutinefunction
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import hooks
from backend.auth.access import init_jwt
from backend.complaints import storage
from backend.config import load_config
from backend.db.engine import begin_write, configure_engine
from backend.extensions import alembic, api, compress, db, jwt, limiter
from backend.web import security_headers
from backend.web.problems import register_error_handlers
from backend.web.request import Request
from backend.web.serialization import JSONProvider, NoSessionInterface


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Nothing periodic starts here: the scheduler is its own process."""
    app = Flask(__name__, static_folder=None)
    app.request_class = Request
    app.config.update(load_config(config))
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    hooks.install()
    # evidence files: the local folder or an object store, by ADUAN_STORAGE_URL
    app.extensions[storage.EXTENSION] = storage.store_from_config(app.config)
    app.json = JSONProvider(app)
    app.session_interface = NoSessionInterface()

    db.init_app(app)
    # Aduan has no async engines, but flask-sqlalchemy-lite registers an async teardown that
    # Flask runs through asgiref on a fresh event loop thread at the end of every request
    # (1-2 ms each; pallets-eco/flask-sqlalchemy-lite#11); the sync teardown stays
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs if not iscoroutinefunction(func)
    ]
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    app.before_request(_unit_of_work)
    alembic.init_app(app)
    jwt.init_app(app)
    init_jwt(jwt)
    limiter.init_app(app)
    compress.init_app(app)  # gzip or brotli for text: a phone on 1.6 Mbit/s waits for bytes
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Layanan pengaduan publik Kota Cimahi (UU 25/2009). "
                    "Public-complaint service of Kota Cimahi."
                )
            }
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    api.spec.components.security_scheme(
        "cookieAuth", {"type": "apiKey", "in": "cookie", "name": "access_token_cookie"}
    )

    from backend import health
    from backend.agencies.views import blp as agencies_blp
    from backend.auth.views import blp as auth_blp
    from backend.auth.views import clients_blp
    from backend.complaints.tracking_views import blp as tracking_blp
    from backend.complaints.views import blp as complaints_blp
    from backend.privacy_requests.views import blp as privacy_requests_blp
    from backend.reports import (
        export_views,  # noqa: F401 (its routes join reports_blp)
        scorecard_views,  # noqa: F401 (its routes join reports_blp)
    )
    from backend.reports.views import blp as reports_blp
    from backend.sla.views import blp as sla_blp
    from backend.survey.views import blp as survey_blp
    from backend.webhooks.views import blp as webhooks_blp

    for blueprint in (
        health.blp,
        auth_blp,
        clients_blp,
        agencies_blp,
        complaints_blp,
        tracking_blp,
        sla_blp,
        reports_blp,
        survey_blp,
        webhooks_blp,
        privacy_requests_blp,
    ):
        api.register_blueprint(blueprint)

    from backend.open311 import views as open311

    # Open311 GeoReport v2: its own formats and error list, documented under its own tag
    app.url_map.converters["open311_format"] = open311.FormatConverter
    api.register_converter(open311.FormatConverter, open311.format_parameter)
    api.register_blueprint(open311.blp)

    from backend.frontend import blp as frontend_blp
    from backend.frontend import not_found_page

    app.register_blueprint(frontend_blp)  # plain Flask: stays out of the API contract
    security_headers.init_app(app)  # nosniff, Referrer-Policy, CSP on every response

    @app.errorhandler(404)
    def _not_found(error: HTTPException) -> Response:
        """A browser gets the app's not-found page, an Open311 client the spec's error list, an
        API client the problem document."""
        return open311.routing_error(error) or not_found_page() or api.handle_http_exception(error)

    @app.errorhandler(405)
    def _not_allowed(error: HTTPException) -> Response:
        """An Open311 client gets the spec's error list, an API client the problem document."""
        return open311.routing_error(error) or api.handle_http_exception(error)

    _publish_permissions()
    register_error_handlers(app, rollback=lambda: db.session.rollback())

    from backend.cli import register_commands

    register_commands(app)
    return app


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unit_of_work() -> None:
    """A request is one transaction; one that may write begins as a write (SQLite: it holds the
    write lock from its first read, so what it read is still true when it writes)."""
    if request.method not in SAFE_METHODS:
        begin_write(db.session)


def _publish_permissions() -> None:
    """Every domain's rules, for the capabilities getCurrentUser reports to the front end."""
    from backend.agencies.permissions import POLICY as agencies
    from backend.auth import permissions
    from backend.complaints.permissions import POLICY as complaints
    from backend.privacy_requests.permissions import POLICY as privacy_requests
    from backend.reports.permissions import POLICY as reports
    from backend.sla.permissions import POLICY as sla
    from backend.webhooks.permissions import POLICY as webhooks

    permissions.publish(
        permissions.POLICY, agencies, complaints, sla, reports, webhooks, privacy_requests
    )
