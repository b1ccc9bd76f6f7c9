"""scenario stage."""
