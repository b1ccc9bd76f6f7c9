"""Shared foundations: local frames, random streams and struct-of-arrays tables."""
