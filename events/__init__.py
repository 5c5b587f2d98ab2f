"""The domain: issuer and passport aggregates and their signed events. No web, no SQL."""
