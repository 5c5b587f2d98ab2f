"""What a route of the web app depends on: the services the app was started with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from passport.services import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]
