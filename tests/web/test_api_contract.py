"""The API against its own document (schemathesis, in process over WSGI): for every operation,
with a token of each scope, no answer >= 500, every answer documented and shaped as documented;
every method a path does not take is a 405 with Allow."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from marketplace.models import ApiTokenKind, ShippingMethod
from tests.fixtures.api import bearer

#: Generated cases per operation and token: enough to reach every documented answer, small
#: enough for seconds per database.
EXAMPLES = 8
SCOPES = ("catalog:read", "store:write", "orders:write")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def world(make_product, shipping_store, make_token, make_order, make_user):
    """A store with products and an order; a token of each scope its owner may hold, and an
    admin's service tokens for the ministry scopes."""
    product = make_product(store=shipping_store(), title="Keripik Balado", price=20000,
                           stock=50)
    make_order(items=[(product, 1)], shipping=ShippingMethod.COURIER)
    owner = product.store.owner
    tokens = {scope: bearer(make_token(owner, [scope], name=scope)) for scope in SCOPES}
    admin = make_user("admin")
    for scope in ("programme:read", "roster:write", "personal:read"):
        tokens[scope] = bearer(make_token(admin, [scope], ApiTokenKind.SERVICE, name=scope))
    return tokens


def _run_cases(operation, auth: dict, examples: int) -> int:
    count = 0

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        nonlocal count
        count += 1
        response = case.call(headers=auth)
        assert response.status_code < 500, (case.method, case.path, case.query, case.body)
        # Schema-valid is not always acceptable: another store's variant id, or a price the
        # marketplace refuses, is a documented 422/404, not a contract break.
        case.validate_response(response, headers=auth,
                               excluded_checks=[positive_data_acceptance])

    run()
    return count


def test_every_operation_keeps_to_the_document(app, world):
    """Each operation in full with the token of its scope (a public one with the first);
    with each other token once: a missing scope is refused before the input is read."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        security = operation.definition.raw.get("security")
        scope = security[0]["bearer"][0] if security else SCOPES[0]
        assert scope in world, f"no token of {scope} to run {operation.label} in full"
        for token_scope, auth in world.items():
            cases += _run_cases(operation, auth, EXAMPLES if token_scope == scope else 1)
    print(f"contract: {cases} cases, all conform")
    assert cases >= EXAMPLES


def test_every_other_method_is_a_405_with_allow(app, client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        url = "/api/v1" + path.replace("{product_id}", "1").replace("{slug}", "x") \
            .replace("{reference}", "x")
        for method in METHODS:
            if method.lower() in item:
                continue
            answer = client.open(url, method=method, headers=world["store:write"])
            assert answer.status_code == 405, (method, url)
            assert method not in answer.headers["Allow"]
            assert answer.get_json()["error"]
