"""Tables of transit signals, on the transit registry."""

from services.transit.models import TransitModel  # noqa: F401
