"""Bad input never crashes a service: schemathesis fuzzes every operation of the six stage services and
the gateway, on the live platform, from each service's own `/openapi.json`.

The promise under test (docs/CONTRIBUTING-services.md, shared/errors.py): a request the service cannot
honour gets an RFC 9457 problem (`application/problem+json`, 4xx), never a 500. Each operation gets a
bounded number of generated requests — schema-valid ones from the fuzzing phase plus the schema's own
examples — with a fixed seed, so a failure is reproducible and the run stays well inside the CI budget.

Checks:
- `not_a_server_error`: no 5xx.
- `refusals_are_problems` (ours): every 4xx is a problem document whose `status` matches the response.
Response-schema conformance is left out on purpose: FastAPI documents every 422 as `HTTPValidationError`
while the services answer with problem documents, so that check would fail on every refusal and bury
the crashes this test is for.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error

from tests.support.fuzz import EXCLUDED_PATH_REGEX, divert_case, fuzz_token, seed_ids

pytestmark = pytest.mark.integration

SERVICES = ("intake", "review", "budget", "procurement", "acceptance", "catalog", "gateway")
SEED = 20240725  # fixed: the same requests every run (dazhou's measures took effect 2023-07-25)
MAX_EXAMPLES = 12  # generated requests per operation in the fuzzing phase
SEEDED_ID_PROBABILITY = 0.7  # the rest of the time a path id is random and must give a clean 404
PROBLEM_MEDIA_TYPE = "application/problem+json"


def refusals_are_problems(ctx, response, case) -> bool | None:
    """A 4xx is an RFC 9457 problem document naming its own status."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith(PROBLEM_MEDIA_TYPE), (
        f"{response.status_code} answered as {content_type!r}, not {PROBLEM_MEDIA_TYPE}: {response.text[:300]}"
    )
    body = response.json()
    assert isinstance(body, dict) and body.get("status") == response.status_code and body.get("title"), (
        f"{response.status_code} problem document lacks a matching status or a title: {response.text[:300]}"
    )
    return True


@pytest.fixture(scope="module")
def fuzz_token_value() -> str:
    return fuzz_token()


@pytest.fixture(scope="module")
def seeded_ids(platform, fuzz_token_value) -> dict[str, list[str]]:
    return seed_ids(platform.urls, fuzz_token_value)


@pytest.fixture(scope="module", params=SERVICES)
def service_schema(request, platform, fuzz_token_value, seeded_ids):
    """The live schema of one service, loaded only once the platform is up."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {fuzz_token_value}"},
            # A 500 is logged with a full traceback before it is answered; give it time to arrive so
            # it is reported as the 500 it is and not as a timeout.
            "request-timeout": 60,
            "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True, "database": "none"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "dictionaries": {name: {"values": values} for name, values in seeded_ids.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": SEEDED_ID_PROBABILITY} for name in seeded_ids
            },
        }
    )
    return schemathesis.openapi.from_url(
        f"{platform.urls[request.param]}/openapi.json", config=config, wait_for_schema=30, timeout=30
    )


@pytest.fixture(autouse=True)
def _schemathesis_node_id_shim(request):
    """schemathesis 4.32.5's lazy loader reads `node._nodeid`, which pytest 9.2 renamed; give it one."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("service_schema").exclude(path_regex=EXCLUDED_PATH_REGEX)


@schema.parametrize()
def test_bad_input_gets_a_problem_never_a_server_error(case):
    divert_case(case)
    case.call_and_validate(checks=[not_a_server_error, refusals_are_problems])
