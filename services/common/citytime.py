"""The city's clock: Pohang keeps Korea Standard Time (Asia/Seoul, UTC+9, no daylight saving since 1988).
Every local day, month and hour shown or counted by the suite is read in this zone; industry's `timezone`
setting defaults to it."""

from zoneinfo import ZoneInfo

CITY_TZ = "Asia/Seoul"
CITY_ZONE = ZoneInfo(CITY_TZ)
