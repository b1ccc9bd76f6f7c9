"""threats stage."""
