"""Issuing: building Open Badges 3.0 credentials, signing them and awarding them."""
