"""What every simulated platform shares: the error type, the view decorator and parameter parsing.

A platform module subclasses `Platform` to say how it authenticates a request,
how it renders an error, and what its throttle and server errors look like;
`Platform.endpoint` then wraps each view the same way (request id, CSRF and
login exemption, authentication, faults), so no view can forget one.
"""

import json
import uuid
from functools import wraps
from time import monotonic

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox import faults


class ApiError(Exception):
    """An answer in the platform's error envelope."""

    def __init__(self, code, message: str, status: int = 400, headers: dict | None = None, **extra):
        super().__init__(message)
        self.code, self.message, self.status, self.headers, self.extra = code, message, status, headers or {}, extra


class Platform:
    name = ""

    # ---- to be provided by each platform
    def authenticate(self, request):
        raise NotImplementedError

    def render_error(self, error: ApiError, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def throttle_error(self, shop) -> ApiError:
        raise NotImplementedError

    def server_error(self, rng) -> ApiError:
        raise NotImplementedError

    def param_error(self, message: str) -> ApiError:
        raise NotImplementedError

    # ---- shared
    def endpoint(self, auth=None, methods=("GET",), drop_after=True):
        """Wrap a view `handler(request, shop, **kwargs)`; `auth(request)` returns the shop (default: self.authenticate)."""

        def decorate(handler):
            @csrf_exempt
            @login_not_required
            @wraps(handler)
            def view(request, *args, **kwargs):
                request.sandbox_arrived = monotonic()  # the latency profile counts from here (faults.run)
                request.sandbox_request_id = uuid.uuid4().hex
                try:
                    if request.method not in methods:
                        raise self.method_error(request.method)
                    shop = (auth or self.authenticate)(request)
                    response = faults.run(self, request, shop, lambda: handler(request, shop, *args, **kwargs),
                                          drop_after=drop_after)
                except ApiError as error:
                    response = self.render_error(error, request.sandbox_request_id)
                    for name, value in error.headers.items():
                        response[name] = value
                response["X-Request-Id"] = request.sandbox_request_id
                return response

            return view

        return decorate

    def method_error(self, method: str) -> ApiError:
        return self.param_error(f"method {method} not allowed")

    # ---- parameter helpers
    def int_param(self, params, name, default=None, *, minimum=None, maximum=None, required=False):
        raw = params.get(name)
        if raw in (None, ""):
            if required:
                raise self.param_error(f"{name} is required")
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise self.param_error(f"{name} must be an integer") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.param_error(f"{name} must be between {minimum} and {maximum}")
        return value

    def json_body(self, request) -> dict:
        if not request.body:
            return {}
        try:
            data = json.loads(request.body)
        except ValueError:
            raise self.param_error("body is not valid JSON") from None
        if not isinstance(data, dict):
            raise self.param_error("body must be a JSON object")
        return data


def json_response(data, status=200, **kwargs) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}, **kwargs)


def money(value) -> str:
    return f"{value:.2f}"
