"""fire stage."""
