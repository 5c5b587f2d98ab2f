"""Certificates and baked badges, downloaded over HTTP and checked with `passport verify`."""
