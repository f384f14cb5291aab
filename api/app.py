"""The Flask application factory. Nothing happens at import time: `create_app` builds everything."""

from __future__ import annotations

from flask import Flask

from engine.config import Settings
from engine.logs import configure_logging
from engine.services import Services, build_services

from . import health, v1, web
from .auth import configure_sessions, require_login_for_blueprint
from .errors import register_error_handlers
from .guards import install_input_guards
from .i18n import init_babel
from .metrics import install as install_metrics
from .oidc import init_oidc
from .openapi import init_api
from .request_log import install as install_request_log


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    settings = settings or (services.settings if services else Settings.from_env())
    services = services or build_services(settings)
    if settings.env != "test":  # tests capture logs their own way
        configure_logging(settings.log_level, settings.log_format)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.extensions["wams"] = services

    configure_sessions(app, secure=settings.is_production)
    init_babel(app, settings.default_locale)
    register_error_handlers(app)
    install_input_guards(app)
    install_metrics()
    install_request_log(app)
    api = init_api(app)
    api.register_blueprint(health.blp)
    v1.register(app, api)
    require_login_for_blueprint(app, v1.PREFIX)
    web.register(app)
    if settings.oidc_enabled:
        init_oidc(app, settings)

    return app


def services_of(app: Flask) -> Services:
    services: Services = app.extensions["wams"]
    return services
