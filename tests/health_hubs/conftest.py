from tests.health_hubs.factories import hub  # noqa: F401
