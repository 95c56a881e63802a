"""The health_hubs service: Smart community centres: kiosk readings, alerts, referrals, indicators."""
