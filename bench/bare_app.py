"""A bare FastAPI "hello" endpoint, served as `passport serve` serves the app: the baseline of
`bench.scale`."""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

from passport.web.server import server_config

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    """The cheapest JSON answer FastAPI gives."""
    return {"hello": "world"}


def main() -> None:
    """Serve the endpoint on the given port with `passport serve`'s uvicorn configuration."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.Server(server_config(app, host="127.0.0.1", port=args.port)).run()


if __name__ == "__main__":
    main()
