"""How the site calls a service over HTTP: JSON in and out, timeouts, refusals typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

import flask
import requests
from requests_toolbelt import MultipartEncoder

from services.site import refusals
from shared.logging import get_logger

log = get_logger(__name__)


class ServiceUnavailable(Exception):
    """A service did not answer (down, unreachable, too slow, or answering 5xx)."""

    def __init__(self, service: str) -> None:
        super().__init__(f"the {service} service is unavailable")
        self.service = service


@dataclass
class ApiError(Exception):
    """A service refused the request: its status and problem document."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """What went wrong, in words for people (see `refusals`); "" when the service gave no
        reason a person could read."""
        return refusals.sentence(self.status, self.problem)

    @property
    def errors(self) -> dict[str, list[str]]:
        """The problem's field errors (`errors: {field: [messages]}`), flattened, each message
        in words for people."""
        return refusals.field_messages(self.problem)


class ServiceClient:
    """One service's `/api/v1` (or page) endpoints, called with the visitor's token if any."""

    def __init__(self, name: str, base_url: str, session: requests.Session, timeout: float):
        self.name = name
        self.base_url = base_url
        self._session = session
        self._timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        data: dict[str, str] | MultipartEncoder | None = None,
        files: dict[str, Any] | None = None,
        timeout: float | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """The service's answer; raises ApiError on 4xx and ServiceUnavailable when it fails.
        `timeout` replaces the usual one for the few calls that do real work while the
        person waits (printing a report); `stream` leaves the body to be read in pieces (a
        download passed on to the visitor)."""
        sent = {"Accept": "application/json, text/plain", **(headers or {})}
        if flask.has_request_context() and flask.request.remote_addr:
            # The services rate-limit sign-ins per client: name the person, not this site.
            sent.setdefault("X-Forwarded-For", flask.request.remote_addr)
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.request(
                method,
                f"{self.base_url}{path}",
                json=json,
                params=params,
                headers=sent,
                data=data,
                files=files,
                timeout=timeout or self._timeout,
                allow_redirects=False,
                stream=stream,
            )
        except requests.RequestException as exc:
            log.warning("site.service_unreachable", service=self.name, error=type(exc).__name__)
            raise ServiceUnavailable(self.name) from None
        if response.status_code >= 500:
            log.warning("site.service_failed", service=self.name, status=response.status_code)
            raise ServiceUnavailable(self.name)
        if response.status_code == 429 and flask.has_request_context():
            # The service said when to try again: the site's own 429 page passes it on.
            flask.g.retry_after = response.headers.get("Retry-After")
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response))
        return response

    def post_multipart(
        self,
        path: str,
        fields: dict[str, str],
        files: dict[str, tuple[str, IO[bytes], str]],
        *,
        token: str | None = None,
    ) -> requests.Response:
        """POST a multipart form, its files read as they are sent: a receipt goes on to the
        service in pieces, never held whole in the site's memory (requests' own `files=` builds
        the entire body first)."""
        body = MultipartEncoder(fields={**fields, **files})
        return self.request(
            "POST", path, token=token, data=body, headers={"Content-Type": body.content_type}
        )

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def get_json_if_found(self, path: str, **kwargs: Any) -> Any | None:
        """`get_json`, or None when the service answers 404: it has not heard of the thing yet
        (events reach each service in its own time), which a page shows as "nothing yet"."""
        try:
            return self.get_json(path, **kwargs)
        except ApiError as exc:
            if exc.status != 404:
                raise
            return None

    def post_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs).json()

    def patch_json(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=body, **kwargs).json()


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"status": response.status_code}
    return body if isinstance(body, dict) else {"status": response.status_code}
