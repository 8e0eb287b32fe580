"""Bad input fuzzing of the JSON API: schemathesis reads /api/v1/openapi.json and sends
generated requests (valid and invalid bodies, query parameters and ids) through the WSGI app
with an administrator's token. No request may give a 500, and every response must match what
the document promises (status codes, content type, the response schema).

Bounded: MAX_EXAMPLES per operation (a few hundred requests in all), no deadline; in CI
(CI=true) the examples are the same on every run, so a failure is repeatable."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from crm.models.enums import Role
from crm.services.users import create_api_token
from tests.factories import UserFactory

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def admin_token(db):
    user = UserFactory(role=Role.ADMIN)
    token = create_api_token(user)
    db.session.commit()  # a savepoint: requests that roll back keep the user and token
    return token


BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=list(HealthCheck),
)


def test_the_api_never_fails_and_keeps_its_document(app, admin_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8, "the document should list every API operation"
    headers = {"Authorization": f"Bearer {admin_token}"}
    statuses: Counter[int] = Counter()
    for operation in operations:

        @BOUNDED
        @given(case=operation.as_strategy())
        def exercise(case):
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

        exercise()
    # The token worked and the generator reached both the happy path and the validation.
    print("API fuzzing, responses by status:", dict(sorted(statuses.items())))
    assert sum(n for status, n in statuses.items() if status < 300) >= len(operations)
    assert statuses[422] + statuses[400] > 0
    assert statuses[401] == 0
