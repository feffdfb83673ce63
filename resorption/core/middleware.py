import logging
import re
import time
import uuid

logger = logging.getLogger("resorption.requests")

# A request id a client or a proxy may give (X-Request-Id) is kept only in this shape; any other value (a folded
# header, 60 kB, control characters) is replaced by one of ours, so that nothing a client wrote reaches the logs or
# the response headers.
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


# URL parameters that are secrets (activation and password reset tokens): never written to logs.
SECRET_URL_KWARGS = ("token", "uidb64")


def _loggable_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in SECRET_URL_KWARGS:
            value = match.kwargs.get(name)
            if value:
                path = path.replace(str(value), "[masqué]")
    return path


def request_id(given: str | None) -> str:
    """The request id sent by the client or the proxy when it has the expected shape, a new one otherwise."""
    if given and REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Logs one structured line per request: method, path, status, duration, user id, request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id(request.headers.get("X-Request-Id"))
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": _loggable_path(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        response["X-Request-Id"] = request.request_id
        return response
