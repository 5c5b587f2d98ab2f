"""The composition root: settings, the ledger's wiring, the web app and the command line."""
