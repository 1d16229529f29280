"""Security headers on every answer: a Content-Security-Policy without inline script or style.

Feed text is hostile; templates autoescape it, and the policy is the second wall: even markup that
slipped through could not run script, load a remote resource, or be framed.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
# FastAPI's interactive docs load Swagger UI / ReDoc from a CDN with an inline bootstrap script;
# they carry no feed text, so they keep working without the policy.
POLICY_EXEMPT_PREFIXES = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Adds the policy and the other security headers unless the answer already set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = list(SECURITY_HEADERS)
        if not scope["path"].startswith(POLICY_EXEMPT_PREFIXES):
            headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                extra = [(key, value) for key, value in headers if key not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
