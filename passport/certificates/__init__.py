"""Certificates a nurse can print and an employer can verify: baked badges and PDF certificates."""
