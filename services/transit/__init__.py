"""The transit service: Boarding by face and pedestrian-speed-adaptive signals."""
