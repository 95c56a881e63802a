"""SUMO evaluation of crossing policies: scenario building (netconvert from plain XML) and the libsumo runner."""
