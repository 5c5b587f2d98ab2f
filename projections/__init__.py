"""Read models built from the log: passports, CPD totals, issuers and their keys; the runner."""
