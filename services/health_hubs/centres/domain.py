"""The 641 community centres (demo data): id, district and a plausible location in Pohang.

Real addresses are not public in a usable form here, so locations are drawn deterministically inside each
district's rough extent (Buk-gu north of the Hyeongsan river, Nam-gu south of it), around 36.0N 129.35E.
"""

import random
from dataclasses import dataclass
from functools import cache

CENTRE_COUNT = 641
BUK_GU_COUNT = 321  # C001..C321 in Buk-gu, C322..C641 in Nam-gu
DISTRICTS = ("Buk-gu", "Nam-gu")
_EXTENT = {"Buk-gu": ((36.03, 36.20), (129.25, 129.42)), "Nam-gu": ((35.88, 36.02), (129.30, 129.57))}
_DISTRICT_KO = {"Buk-gu": "북구", "Nam-gu": "남구"}


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    name_ko: str
    district: str
    lat: float
    lon: float


@cache
def all_centres() -> dict[str, Centre]:
    rng = random.Random(641)
    centres = {}
    for n in range(1, CENTRE_COUNT + 1):
        district = "Buk-gu" if n <= BUK_GU_COUNT else "Nam-gu"
        (lat0, lat1), (lon0, lon1) = _EXTENT[district]
        cid = f"C{n:03d}"
        centres[cid] = Centre(
            id=cid, name=f"Pohang {district} community centre {n:03d}",
            name_ko=f"포항 {_DISTRICT_KO[district]} 경로당 {n:03d}", district=district,
            lat=round(rng.uniform(lat0, lat1), 5), lon=round(rng.uniform(lon0, lon1), 5),
        )
    return centres


def get_centre(centre_id: str | None) -> Centre | None:
    return all_centres().get(centre_id or "")


def district_of(centre_id: str) -> str | None:
    centre = get_centre(centre_id)
    return centre.district if centre else None


def centres_in(district: str | None) -> list[Centre]:
    """Every centre, or those of one district (an unknown district has none)."""
    return [c for c in all_centres().values() if not district or c.district == district]
