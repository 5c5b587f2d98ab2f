"""Interop tests against an independent implementation: Digital Bazaar's, run with Node.js."""
