"""Attacks and bad input, each rebuilt and refused."""
