"""The demo bus network: routes and their ordered stops with positions (WGS84), as data.

A city loads its operator's GTFS stops and routes here instead; the positions below are approximate
places in Pohang chosen for the demo (OpenStreetMap-style coordinates read off a map, not survey data)."""

# route id -> ordered stops (stop id, name, Korean name, lat, lon)
ROUTE_STOPS: dict[str, list[tuple[str, str, str, float, float]]] = {
    "101": [
        ("Pohang Stn", "Pohang Station", "포항역", 36.0717, 129.3422),
        ("Jukdo Market", "Jukdo Market", "죽도시장", 36.0364, 129.3650),
        ("Yeongildae", "Yeongildae Beach", "영일대해수욕장", 36.0566, 129.3786),
        ("POSTECH", "POSTECH", "포스텍", 36.0136, 129.3257),
    ],
    "200": [
        ("Yangdeok", "Yangdeok", "양덕", 36.0850, 129.3850),
        ("Pohang City Hall", "Pohang City Hall", "포항시청", 36.0190, 129.3435),
        ("Hyoja Stn", "Hyoja Station", "효자역", 35.9990, 129.3370),
        ("Steelworks Gate", "Steelworks Gate", "제철소 정문", 36.0050, 129.3770),
    ],
}

ROUTES: dict[str, list[str]] = {route: [stop[0] for stop in stops] for route, stops in ROUTE_STOPS.items()}


def stops() -> list[dict]:
    return [
        {"stop_id": stop_id, "name": name, "name_ko": name_ko, "route_id": route, "sequence": seq,
         "lat": lat, "lon": lon}
        for route, route_stops in ROUTE_STOPS.items()
        for seq, (stop_id, name, name_ko, lat, lon) in enumerate(route_stops, start=1)
    ]
