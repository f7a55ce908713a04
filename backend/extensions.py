"""Extension objects, created here and init_app'ed in `create_app`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_alembic import Alembic
from flask_compress import Compress
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy_lite import SQLAlchemy

from backend.db import Base
from backend.web.spec import Api

db = SQLAlchemy()
alembic = Alembic(run_mkdir=False, metadatas=Base.metadata)
api = Api()
jwt = JWTManager()
limiter = Limiter(get_remote_address)
compress = Compress()


def rate_limit(operation_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The rate limit of an operation, read from the one table of limits (`RATE_LIMITS`)."""
    return limiter.limit(lambda: current_app.config["RATE_LIMITS"][operation_id])
