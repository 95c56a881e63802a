"""What runs the product but is not the product: demo seed, simulators, bench and load runners, crash runs.
Tests, benchmarks and the command line import these; the services never do (tests/test_boundaries.py)."""
