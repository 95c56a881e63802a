"""Tables of transit boarding, on the transit registry."""

from services.transit.models import TransitModel  # noqa: F401
