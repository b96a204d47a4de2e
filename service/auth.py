"""The write rule: writes need `Authorization: Bearer <COPROD_WRITE_TOKEN>`; reads need nothing."""

from __future__ import annotations

import hmac

from service.problems import Forbidden, Unauthorized
from service.settings import Settings


def require_write(settings: Settings, authorization: str | None) -> None:
    """Allow a write, or raise Forbidden (writes off, wrong token) or Unauthorized (no token).

    The token is never logged or echoed: messages only say which rule failed.
    """
    if settings.write_token is None:
        raise Forbidden("Writes are disabled on this service (COPROD_WRITE_TOKEN is not set).")
    if not authorization:
        raise Unauthorized("Writes need an Authorization: Bearer token.")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("Writes need an Authorization: Bearer token.")
    expected = settings.write_token.get_secret_value().encode("utf-8")
    if not hmac.compare_digest(credentials.strip().encode("utf-8"), expected):
        raise Forbidden("The bearer token is not valid for writes.")
