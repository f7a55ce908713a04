"""Every operation of the contract, driven in-process by schemathesis.

Each operation runs anonymously and with the bearer tokens of an admin and of a verifier, on
valid and on invalid input; no answer may be a server error, and every answer must match the
status codes, media types and schemas the contract documents.

The operations are driven with Hypothesis directly rather than through
`schemathesis.pytest.from_fixture`: its lazy runner renames pytest nodes through a private
attribute that pytest 9.2 no longer has.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import complaint_payload, file_complaint

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def cases(operation: Any, known_ids: dict[str, int]) -> st.SearchStrategy[Any]:
    """Valid and invalid cases of `operation`, half of them about objects that exist."""
    names = set(re.findall(r"{(\w+)}", operation.path))
    existing = {name: value for name, value in known_ids.items() if name in names}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if existing:
        strategies += [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=existing),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=existing),
        ]
    return st.one_of(strategies)


def seed(client: FlaskClient) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Complaints of each privacy.

    Returns the ids of objects that exist, by path parameter, and valid requests that random
    data seldom hits, by operation label.
    """
    receipts = [
        file_complaint(client, privacy="public"),
        file_complaint(client, privacy="private"),
        file_complaint(client, privacy="anonymous", complainant=None),
    ]
    # the demo data is loaded into emptied tables whose identities restart at 1
    known = dict.fromkeys(("agency_id", "user_id", "rule_id", "client_pk", "attachment_id"), 1)
    tracked = {"code": receipts[2]["tracking_code"], "pin": receipts[2]["pin"]}
    valid = {
        "POST /api/v1/complaints": [
            {"body": complaint_payload(privacy=privacy)} for privacy in ("public", "private")
        ],
        "POST /api/v1/track": [{"body": tracked}],
        "POST /api/v1/track/replies": [{"body": {**tracked, "message": "Berkas terlampir."}}],
    }
    return {**known, "complaint_id": receipts[0]["id"]}, valid


@pytest.mark.parametrize("role", ["anonymous", "admin", "verifier"])
def test_every_operation_conforms(
    app: Flask, headers_for: Any, role: str, subtests: pytest.Subtests
) -> None:
    known_ids, valid = seed(app.test_client())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        with subtests.test(operation=operation.label):

            @EXAMPLES
            @given(case=cases(operation, known_ids))
            def run(case: Any) -> None:
                # a fresh token each time: a `logout` case revokes the one it was sent with
                headers = {} if role == "anonymous" else headers_for(role)
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
            for request in valid.get(operation.label, []):
                headers = {} if role == "anonymous" else headers_for(role)
                case = operation.Case(media_type="application/json", **request)
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                assert response.status_code < 300, response.text
