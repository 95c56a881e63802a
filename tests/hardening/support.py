"""What the hardening tests share: the callers (every role and place, every device kind, anonymous), the
enumeration of every route of a service, and plausible requests built from the OpenAPI schema."""

import io
import re
import uuid
from dataclasses import dataclass, field
from functools import cache

from fastapi.routing import APIRoute
from starlette.routing import Route

# ---- callers -----------------------------------------------------------------------------------------------

# name -> ("user", role, place) | ("device", kind, place) | None (anonymous). The second of each place-bound
# pair exists to catch a leak across places: it must never see what the first one owns.
CALLERS: dict[str, tuple | None] = {
    "anonymous": None,
    "admin": ("user", "admin", {}),
    "official": ("user", "official", {}),
    "staff_C001": ("user", "centre_staff", {"centre_id": "C001"}),
    "staff_C002": ("user", "centre_staff", {"centre_id": "C002"}),
    "nurse_Buk-gu": ("user", "nurse", {"district": "Buk-gu"}),
    "nurse_Nam-gu": ("user", "nurse", {"district": "Nam-gu"}),
    "academy_staff": ("user", "academy_staff", {}),
    "partner_steelworks": ("user", "partner", {"company_id": "steelworks"}),
    "partner_other": ("user", "partner", {"company_id": "shipyard"}),
    "bus": ("device", "bus", "bus-101"),
    "enrolment_kiosk": ("device", "enrolment_kiosk", "C001"),
    "detector": ("device", "detector", "X001"),
    "health_kiosk_C001": ("device", "health_kiosk", "C001"),
    "health_kiosk_C002": ("device", "health_kiosk", "C002"),
    "gateway_steelworks": ("device", "gateway", "steelworks"),
    "gateway_other": ("device", "gateway", "shipyard"),
}

# The places the first caller of each pair owns: records made during set-up belong to them.
HOME = {"centre_id": "C001", "district": "Buk-gu", "company_id": "steelworks", "site_id": "steelworks",
        "bus_id": "bus-101", "crossing_id": "X001", "sponsor_company_id": "steelworks"}


def caller_headers(auth) -> dict[str, dict]:
    """One set of headers per caller, made in the test identity database."""
    out: dict[str, dict] = {}
    for name, spec in CALLERS.items():
        if spec is None:
            out[name] = {}
        elif spec[0] == "user":
            out[name] = auth.headers(spec[1], **spec[2])
        else:
            out[name] = {"Authorization": f"Bearer {auth.device(spec[1], spec[2], name=name)[1]}"}
    return out


# ---- routes ------------------------------------------------------------------------------------------------

SKIP_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as declared, with {params}

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def endpoints(app) -> list[Endpoint]:
    """Every method of every route the app answers, in schema or not (docs, metrics, screens)."""
    seen: dict[str, Endpoint] = {}
    for path, methods in _walk(app.routes):
        for method in sorted(methods or ()):
            if method not in SKIP_METHODS:
                seen.setdefault(f"{method} {path}", Endpoint(method, path))
    for path, item in app.openapi().get("paths", {}).items():  # a cross-check: the schema's view
        for method in item:
            seen.setdefault(f"{method.upper()} {path}", Endpoint(method.upper(), path))
    return sorted(seen.values(), key=lambda e: (e.path, e.method))


def _walk(routes):
    for route in routes:
        if isinstance(route, APIRoute | Route):
            yield route.path, route.methods
        elif hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.160 keeps included routers lazily
            for ctx in route.effective_route_contexts():
                yield ctx.path, getattr(ctx.original_route, "methods", None)
        elif hasattr(route, "routes"):  # a Mount
            prefix = getattr(route, "path", "")
            for path, methods in _walk(route.routes):
                yield prefix + path, methods


# ---- schema-driven requests -------------------------------------------------------------------------------

@cache
def tiny_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (128, 128, 128)).save(buf, format="JPEG")
    return buf.getvalue()


def _singular(segment: str) -> str:
    name = segment.replace("-", "_")
    for suffix, repl in (("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("xes", "x"), ("ies", "y")):
        if name.endswith(suffix):
            return name[: -len(suffix)] + repl
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


IDEMPOTENCY_KEYS = {"batch_id", "client_id", "request_id", "idempotency_key"}  # fresh per request, never reused


@dataclass
class Harvest:
    """Ids the set-up created, by parameter name (`resident_id`), newest last."""

    ids: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, value) -> None:
        if name in IDEMPOTENCY_KEYS or value is None or isinstance(value, bool | dict | list):
            return
        bucket = self.ids.setdefault(name, [])
        if value not in bucket:
            bucket.append(value)

    def get(self, name: str):
        values = self.ids.get(name)
        return values[0] if values else None

    def take_response(self, path: str, body) -> None:
        items = body if isinstance(body, list) else [body]
        segments = [s for s in path.split("/") if s and not s.startswith("{") and s != "v1"]
        resource = _singular(segments[-1]) if segments else "item"
        for item in items[:3]:
            if not isinstance(item, dict):
                continue
            if "id" in item:
                self.add(f"{resource}_id", item["id"])
            for key, value in item.items():
                if key.endswith("_id") or key == "id":
                    self.add(key if key != "id" else f"{resource}_id", value)


class RequestBuilder:
    """Builds one plausible request for an operation: path and required query parameters filled (places
    from HOME, ids from the harvest), a minimal valid body (required fields, enums' first value)."""

    def __init__(self, schema: dict, harvest: Harvest | None = None):
        self.schema = schema
        self.components = schema.get("components", {}).get("schemas", {})
        self.harvest = harvest or Harvest()

    def operation(self, ep: Endpoint) -> dict | None:
        return self.schema.get("paths", {}).get(ep.path, {}).get(ep.method.lower())

    def build(self, ep: Endpoint) -> dict:
        op = self.operation(ep) or {}
        params = {p["name"]: p for p in op.get("parameters", [])}
        path = ep.path
        for name in re.findall(r"{([^}:]+)(?::[^}]*)?}", ep.path):
            schema = params.get(name, {}).get("schema", {"type": "string"})
            value = self.value_for(name, schema)
            path = re.sub(r"{" + re.escape(name) + r"(?::[^}]*)?}", str(value), path)
        query = {}
        for name, p in params.items():
            if p.get("in") == "query" and p.get("required"):
                query[name] = self.value_for(name, p.get("schema", {}))
        request: dict = {"method": ep.method, "url": path, "params": query}
        segments = [s for s in ep.path.split("/") if s and not s.startswith("{") and s != "v1"]
        self._resource = _singular(segments[-1]) if segments else ""
        body = op.get("requestBody")
        if body:
            content = body.get("content", {})
            if "application/json" in content:
                request["json"] = self.instance(content["application/json"].get("schema", {}), "body")
            elif "multipart/form-data" in content or "application/x-www-form-urlencoded" in content:
                media = "multipart/form-data" if "multipart/form-data" in content else "application/x-www-form-urlencoded"
                data, files = self.form(content[media].get("schema", {}))
                request["data"] = data
                if files:
                    request["files"] = files
        return request

    # -- values --

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def value_for(self, name: str, schema: dict):
        harvested = self.harvest.get(name)
        if harvested is not None:
            return harvested
        if name in HOME:
            return HOME[name]
        return self.instance(schema, name)

    def instance(self, schema: dict, name: str = "", depth: int = 0):
        schema = self.resolve(schema)
        if depth > 6:
            return None
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        for key in ("examples", "example", "default"):
            if key in schema and schema[key] is not None:
                value = schema[key]
                return value[0] if key == "examples" and isinstance(value, list) and value else value
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(s) for s in schema[key]]
                options = [s for s in options if s.get("type") != "null"] or options
                return self.instance(options[0], name, depth + 1)
        if "allOf" in schema:
            merged: dict = {}
            for part in schema["allOf"]:
                merged.update(self.resolve(part))
            return self.instance(merged, name, depth + 1)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            out = {}
            required = set(schema.get("required", []))
            for prop, sub in schema.get("properties", {}).items():
                # an optional reference is filled when a record of that kind exists (a confined-space permit names
                # its detector), so the record is created as a real client would create it
                if prop in required or prop in HOME or (prop.endswith("_id") and self.harvest.get(prop) is not None):
                    out[prop] = self.field_value(prop, sub, depth)
            return out
        if kind == "array":
            item = self.instance(schema.get("items", {}), _singular(name) if name else "", depth + 1)
            return [item] * max(1, schema.get("minItems", 1))
        if kind == "integer":
            return int(max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1))
        if kind == "number":
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
            high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2))
            return (low + high) / 2
        if kind == "boolean":
            return False
        return self.string(schema, name)

    def field_value(self, prop: str, sub: dict, depth: int):
        if prop == "id" and f"{getattr(self, '_resource', '')}_id" in HOME:  # a new site is the home site
            return HOME[f"{self._resource}_id"]
        harvested = self.harvest.get(prop)
        if harvested is not None:
            return harvested
        if prop in HOME:
            return HOME[prop]
        return self.instance(sub, prop, depth + 1)

    def string(self, schema: dict, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())  # fresh: a client-made idempotency key must not collide across callers
        if fmt == "date-time":
            return "2025-06-02T09:00:00+09:00"
        if fmt == "date":
            return "2025-06-02"
        if fmt == "email":
            return "someone@example.org"
        if "pattern" in schema:
            return _from_pattern(schema["pattern"])
        low = schema.get("minLength", 1)
        high = schema.get("maxLength", 40)
        text = f"hardening-{name or 'x'}"[: high]
        return text + "x" * max(0, low - len(text))

    def form(self, schema: dict) -> tuple[dict, list]:
        schema = self.resolve(schema)
        data, files = {}, []
        required = set(schema.get("required", []))
        for prop, sub in schema.get("properties", {}).items():
            sub = self.resolve(sub)
            options = sub.get("anyOf", [sub])
            binary = any(_is_binary(self.resolve(o)) for o in options)
            if binary:
                if prop in required:
                    files.append((prop, ("face.jpg", tiny_jpeg(), "image/jpeg")))
                continue
            if prop not in required and prop not in HOME:
                continue
            value = self.field_value(prop, sub, 0)
            if isinstance(value, list | dict):
                import json

                value = json.dumps(value)
            data[prop] = "false" if value is False else "true" if value is True else str(value)
        return data, files


def _is_binary(schema: dict) -> bool:
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        return True
    items = schema.get("items")
    return isinstance(items, dict) and (items.get("format") == "binary" or "contentMediaType" in items)


@cache
def _from_pattern(pattern: str) -> str:
    from hypothesis import find
    from hypothesis import strategies as st

    try:
        return find(st.from_regex(pattern, fullmatch=True), lambda s: True)
    except Exception:  # an unsatisfiable or exotic pattern: the plain string is then simply refused (422)
        return "x"


def classify(status: int) -> str:
    return "401" if status == 401 else "403" if status == 403 else "allowed"
