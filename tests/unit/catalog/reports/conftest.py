from tests.unit.catalog.oversight.conftest import hub, reset_clock  # noqa: F401  (the same catalog + budget)
