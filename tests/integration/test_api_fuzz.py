"""Bad input never crashes a service: schemathesis fuzzes every operation of the six stage services and
the gateway, on the live platform, from each service's own `/openapi.json`.

The promise under test (docs/CONTRIBUTING-services.md, shared/errors.py): a request the service cannot
honour gets an RFC 9457 problem (`application/problem+json`, 4xx), never a 500. Each operation gets the
schema's own examples, the coverage phase's boundary and wrong-type values, and a bounded number of
generated requests, from a fixed seed, so a failure is reproducible and the run stays bounded.

Checks:
- `not_a_server_error`: no 5xx.
- `response_schema_conformance`: a documented answer (the 2xx models) matches its schema.
- `refusals_are_problems` (ours): every 4xx is a problem document whose `status` matches the response.
`content_type_conformance` is left out on purpose: the OpenAPI documents refusals as FastAPI's
`application/json` `HTTPValidationError` while every service answers `application/problem+json`, so it
fails on every refusal and would bury the crashes this test is for.

The fuzzer holds every role and works in its own unit with a few seeded resources (tests/support/fuzz.py);
it never calls the `/_admin` routes. A 500 is logged before it is answered; the service log under the
platform's log_dir has the traceback for each failure shown here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.fuzz import EXCLUDED_PATH_REGEX, divert_case, fuzz_token, seed_ids, with_storage_edges

pytestmark = pytest.mark.integration

SERVICES = ("intake", "review", "budget", "procurement", "acceptance", "catalog", "gateway")
SEED = 20240725  # fixed, so every run sends the same requests (Hypothesis deadline is off: schemathesis sets None)
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


# What was exercised, for the summary printed at the end: operation label → status code → requests.
EXERCISED: defaultdict[str, Counter[int]] = defaultdict(Counter)
CRASHES: dict[tuple[str, ...], schemathesis.Response] = {}


@pytest.fixture(scope="module", autouse=True)
def exercised_summary(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not EXERCISED:
        return
    reporter.write_line("")
    reporter.write_line("api fuzz: requests per operation by status")
    for label, statuses in sorted(EXERCISED.items()):
        counts = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
        reporter.write_line(f"  {label}: {sum(statuses.values())} ({counts})")


@pytest.fixture(scope="module")
def fuzz_token_value() -> str:
    return fuzz_token()


@pytest.fixture(scope="module")
def seeded_ids(platform, fuzz_token_value) -> dict[str, list[str]]:
    return seed_ids(platform.urls, fuzz_token_value)


@pytest.fixture(scope="module", params=SERVICES)
def service_schema(request, platform, fuzz_token_value, seeded_ids):
    """The live schema of one service, loaded only once the platform is up."""
    base_url = platform.urls[request.param]
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {fuzz_token_value}"},
            # A 500 is logged with a full traceback before it is answered; give it time to arrive so
            # it is reported as the 500 it is and not as a timeout.
            "request-timeout": 60,
            "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True, "database": "none"},
            "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
            "dictionaries": {name: {"values": values} for name, values in seeded_ids.items()},
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": SEEDED_ID_PROBABILITY} for name in seeded_ids
            },
        }
    )
    document = httpx.get(f"{base_url}/openapi.json", timeout=30).raise_for_status().json()
    return schemathesis.openapi.from_dict(with_storage_edges(document), config=config)


@pytest.fixture(autouse=True)
def _schemathesis_node_id_shim(request):
    """schemathesis 4.32.5's lazy loader reads `node._nodeid`, which pytest 9.2 renamed; give it one."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("service_schema").exclude(path_regex=EXCLUDED_PATH_REGEX)


@schema.parametrize()
def test_bad_input_gets_a_problem_never_a_server_error(case, platform):
    divert_case(case)
    key = (case.method, case.formatted_path, repr(case.query), repr(case.headers), repr(case.body))
    # Hypothesis replays a failing example once more to report it; the service's answer is already
    # known, and a 500 costs seconds of logging, so the replay reuses it.
    response = CRASHES.get(key)
    if response is None:
        response = case.call()
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(response.request.url))
        service = next((name for name, url in platform.urls.items() if url == origin), origin)
        EXERCISED[f"{service} {case.operation.label}"][response.status_code] += 1
        if response.status_code >= 500:
            CRASHES[key] = response
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, refusals_are_problems])
