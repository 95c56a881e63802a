"""centres of the health hubs: the community-centre directory."""
