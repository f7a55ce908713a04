"""Every operation of the contract, driven in-process by schemathesis.

Each operation runs anonymously and with the bearer tokens of an admin and of a verifier; no
answer may be a server error, and every answer must match the schema the contract documents.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(app: Flask) -> Any:
    """The live spec of the app, with the demo data loaded."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(params=["anonymous", "admin", "verifier"])
def auth_headers(request: pytest.FixtureRequest, headers_for: Any) -> dict[str, str]:
    """The headers of the caller: nobody, or a bearer token of a demo account."""
    return {} if request.param == "anonymous" else headers_for(request.param)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_conforms(case: Any, auth_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
