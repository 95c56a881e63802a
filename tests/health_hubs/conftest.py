from tests.health_hubs.factories import hub  # noqa: F401
from tests.support.smtp import mailbox  # noqa: F401
