"""The app server's own routes, served beside Streamlit's by app.py's `st.App` (docs/operations.md "Health").

- `GET /healthz`: the service's health as JSON for a monitor (`raa_core.store.status.health`: warehouse version
  and age, store writable, last ingest, stale councils, disk), HTTP 200 while serving, 503 when the warehouse,
  the store or the reference data is unusable. No personal data; not behind sign-in (a monitor has none).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from raa_core.reference import ReferenceError, load_reference
from raa_core.store import status

HEALTH_PATH = "/healthz"
_HEADERS = {"Cache-Control": "no-store"}


def health_payload() -> dict[str, object]:
    """The health payload of the warehouse the app serves (RAA_DB, as `shell.db_path`)."""
    from raa_app.shell import db_path

    try:
        ref = load_reference()
    except ReferenceError as exc:
        return {"status": "unusable", "http_status": status.HTTP_UNAVAILABLE,
                "problem": f"the reference data cannot be read: {exc}"}
    return status.health(db_path(), ref)


async def healthz(request: Request) -> JSONResponse:
    payload = await run_in_threadpool(health_payload)
    return JSONResponse(payload, status_code=int(payload["http_status"]), headers=_HEADERS)  # type: ignore[call-overload]


def routes() -> list[Route]:
    """The routes app.py adds to Streamlit's server."""
    return [Route(HEALTH_PATH, healthz, methods=["GET", "HEAD"])]
