"""The web app: the JSON API, the W3C VC API endpoints and public documents."""
