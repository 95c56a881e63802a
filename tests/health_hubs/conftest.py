from tests.health_hubs.factories import hub  # noqa: F401
from tests.health_hubs.mailbox import mailbox  # noqa: F401
