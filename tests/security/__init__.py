"""Attacks on the ledger, each rebuilt as a test that asserts the defence."""
