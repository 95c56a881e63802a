"""Who may call transit: the permission aliases its routers take (one vocabulary: services.common.auth.allow)."""

from services.common.auth import DeviceKind, Role, allow

# Rider records and face templates are handled by the enrolment kiosk (and admins); officials see aggregates only.
EnrolmentKioskOrAdmin = allow(roles=(Role.admin,), devices=(DeviceKind.enrolment_kiosk,))
Bus = allow(devices=(DeviceKind.bus,))
Detector = allow(devices=(DeviceKind.detector,))
BusOrDetector = allow(devices=(DeviceKind.bus, DeviceKind.detector))
Official = allow(roles=(Role.official,))
Admin = allow(roles=(Role.admin,))
DetectorOrOfficial = allow(roles=(Role.official,), devices=(DeviceKind.detector,))
OfficialBusOrEnrolmentKiosk = allow(roles=(Role.official,), devices=(DeviceKind.bus, DeviceKind.enrolment_kiosk))
