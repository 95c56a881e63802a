"""The road network as a networkx graph: intersections (nodes, with lat/lon) and links (edges), each
intersection carrying its crossings as data. A generated Pohang-like demo network, or any SUMO .net.xml."""

import math

import networkx as nx

from services.transit.signals.domain import CrossingSpec

LANE_WIDTH_M = 3.25  # Korean urban arterial lane (3.0-3.5 m)


def crossing_length_m(lanes: int, *, lane_width_m: float = LANE_WIDTH_M) -> float:
    return round(lanes * lane_width_m, 1)


# Pohang city centre (Bukgu / Namgu) around 36.03 N 129.36 E; names after real roads, geometry generated.
_INTERSECTIONS = [
    # id, name, lat, lon
    ("I01", "Jukdo market", 36.0405, 129.3650),
    ("I02", "Yukgeori (six-way)", 36.0386, 129.3628),
    ("I03", "Pohang station old site", 36.0455, 129.3700),
    ("I04", "City hall", 36.0190, 129.3435),
    ("I05", "Hyoja", 36.0105, 129.3260),
    ("I06", "Ocheon bridge", 35.9960, 129.3800),
]
_LINKS = [("I01", "I02", 4), ("I01", "I03", 4), ("I02", "I04", 6), ("I04", "I05", 6), ("I04", "I06", 4),
          ("I02", "I03", 2)]
# id, intersection, lanes crossed, zone, bearing of the crossing from the intersection centre (deg)
_CROSSINGS = [
    ("X01", "I01", 4, "senior", 0), ("X02", "I01", 4, "general", 90),
    ("X03", "I02", 6, "general", 45), ("X04", "I02", 2, "senior", 225),
    ("X05", "I03", 4, "general", 180),
    ("X06", "I04", 6, "general", 0), ("X07", "I04", 6, "general", 270),
    ("X08", "I05", 4, "child", 90),
    ("X09", "I06", 4, "general", 0),
]


def _offset(lat: float, lon: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    dlat = metres * math.cos(math.radians(bearing_deg)) / 111_320
    dlon = metres * math.sin(math.radians(bearing_deg)) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def pohang_demo_network() -> nx.Graph:
    g = nx.Graph(name="Pohang demo")
    for node_id, name, lat, lon in _INTERSECTIONS:
        g.add_node(node_id, name=name, lat=lat, lon=lon, crossings=[])
    for a, b, lanes in _LINKS:
        la, lb = g.nodes[a], g.nodes[b]
        g.add_edge(a, b, lanes=lanes, length_m=round(_haversine_m(la["lat"], la["lon"], lb["lat"], lb["lon"]), 1))
    for cid, node_id, lanes, zone, bearing in _CROSSINGS:
        node = g.nodes[node_id]
        lat, lon = _offset(node["lat"], node["lon"], bearing, 18.0)
        node["crossings"].append({
            "id": cid, "name": f"{node['name']} crossing {cid[-2:]}", "intersection_id": node_id, "lat": lat,
            "lon": lon, "lanes": lanes, "length_m": crossing_length_m(lanes), "zone": zone,
        })
    return g


def crossings(g: nx.Graph) -> list[dict]:
    return [c for _, data in sorted(g.nodes(data=True)) for c in data.get("crossings", [])]


def specs(g: nx.Graph) -> list[CrossingSpec]:
    return [CrossingSpec(c["id"], length_m=c["length_m"], lanes=c["lanes"], zone=c["zone"]) for c in crossings(g)]


def from_sumo_net(path: str, *, zone: str = "general") -> nx.Graph:
    """Imports a SUMO .net.xml through sumolib: junctions become nodes (lat/lon when the net is
    geo-referenced), normal edges become links, pedestrian crossings become the junctions' crossings."""
    import sumolib

    net = sumolib.net.readNet(path, withInternal=True, withPedestrianConnections=True)
    g = nx.Graph(name=str(path))
    geo = net.hasGeoProj() if hasattr(net, "hasGeoProj") else False
    for node in net.getNodes():
        x, y = node.getCoord()
        attrs = {"x": x, "y": y, "crossings": [], "type": node.getType()}
        if geo:
            lon, lat = net.convertXY2LonLat(x, y)
            attrs.update(lat=lat, lon=lon)
        g.add_node(node.getID(), **attrs)
    for edge in net.getEdges(withInternal=True):
        function = edge.getFunction()
        if function == "crossing":
            node_id = edge.getFromNode().getID() if edge.getFromNode() else edge.getID()[1:].rsplit("_", 1)[0]
            crossed = edge.getCrossingEdges() or []
            lanes = sum(e.getLaneNumber() for e in crossed) if crossed else 2
            x, y = edge.getLane(0).getShape()[len(edge.getLane(0).getShape()) // 2]
            crossing = {"id": edge.getID(), "name": edge.getID(), "intersection_id": node_id, "lanes": lanes,
                        "length_m": round(edge.getLength(), 2), "zone": zone, "x": x, "y": y}
            if geo:
                crossing["lon"], crossing["lat"] = net.convertXY2LonLat(x, y)
            g.nodes[node_id]["crossings"].append(crossing)
        elif not function:
            a, b = edge.getFromNode().getID(), edge.getToNode().getID()
            if not g.has_edge(a, b):
                g.add_edge(a, b, lanes=edge.getLaneNumber(), length_m=round(edge.getLength(), 1), sumo_edges=[])
            g.edges[a, b]["sumo_edges"].append(edge.getID())
    return g


def _haversine_m(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))
