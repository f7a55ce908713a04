"""The contract: the committed openapi/openapi.json is what the code generates, and it is valid."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]+$")


@pytest.fixture(scope="module")
def spec(base_app: Flask) -> dict[str, Any]:
    """The spec the code generates, as served at /api/v1/openapi.json."""
    response = base_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the spec."""
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_spec_is_valid_openapi(spec):
    validate(spec)


def test_the_contract_is_openapi_3_1_and_says_null_in_the_type(spec):
    """Issue 15, item 13: OpenAPI 3.1 (JSON Schema 2020-12), checked by the 3.1 validator; a
    value that may be null says so in its type, as 3.1 has no `nullable`."""
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)
    text = json.dumps(spec)
    assert '"nullable"' not in text
    decision = spec["components"]["schemas"]["Complaint"]["properties"]["compensation_awarded"]
    assert decision["type"] == ["string", "null"]


def test_every_operation_has_a_unique_camel_case_operation_id(spec):
    ids = {}
    for method, path, operation in operations(spec):
        operation_id = operation.get("operationId")
        assert operation_id, f"{method} {path} has no operationId"
        where = f"{method} {path}"
        assert OPERATION_ID.match(operation_id), f"{where}: {operation_id!r} is not camelCase"
        assert operation_id not in ids, f"{operation_id!r} is used by {ids.get(operation_id)}"
        ids[operation_id] = where


def test_core_operations_of_the_architecture_exist(spec):
    ids = {operation.get("operationId") for _, _, operation in operations(spec)}
    core = {
        "createComplaint",
        "listComplaints",
        "getComplaint",
        "transitionComplaint",
        "listComplaintEvents",
        "addComplaintComment",
        "uploadComplaintAttachment",
        "trackComplaint",
        "replyToTrackedComplaint",
        "listAgencies",
        "listCategories",
        "register",
        "login",
        "refreshToken",
        "logout",
        "getCurrentUser",
    }
    assert core <= ids, f"missing: {sorted(core - ids)}"


def test_error_responses_are_problem_json(spec):
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
    for method, path, operation in operations(spec):
        assert "default" in operation["responses"], f"{method} {path} documents no errors"


def test_committed_spec_matches_the_code(spec):
    assert COMMITTED.exists(), "openapi/openapi.json is missing: run `make openapi`"
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == spec, (
        "openapi/openapi.json differs from what the code generates: run `make openapi` "
        "and commit the result"
    )
