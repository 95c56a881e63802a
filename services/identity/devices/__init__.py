"""Devices: buses, kiosks, detectors and gateways with revocable keys, and the one-time pairing of screens."""
