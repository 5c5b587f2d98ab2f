"""The pinned JSON-LD context documents, as package data; `index.json` maps URL to file and hash."""
