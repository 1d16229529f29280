"""Webhooks: a JSON POST of the day's radar to a URL the person set (Slack, Matrix, ntfy bridges).

The URL is the person's, the server is ours: without ALLOW_PRIVATE_URLS it may not reach
loopback, private, link-local (cloud metadata at 169.254.169.254), reserved, multicast or
unspecified addresses, in any spelling (`127.1`, `0x7f.1`, `[::1]`, `::ffff:127.0.0.1`). The
name is resolved and checked when the URL is set and again at send time, and the request goes to
the address that was checked (no second lookup a rebinding DNS server could answer
differently); redirects are not followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from datetime import date
from urllib.parse import SplitResult, urlsplit

import httpx

from app import __version__
from app.deliveries.digest import DigestItem

WEBHOOK_TIMEOUT_SECONDS = 10.0
MAX_URL_LENGTH = 2000
ERROR_BODY_BYTES = 300

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookURLError(ValueError):
    """A webhook URL that may not be used; the message says why."""


class WebhookError(RuntimeError):
    """A webhook POST that did not succeed (refused, timed out, answered an error)."""


def check_webhook_url(url: str, *, allow_private: bool) -> str:
    """The URL, checked: http(s), no credentials, and (unless allowed) a public address."""
    parts = _parse(url)
    if not allow_private:
        resolve_public(parts.hostname, parts.port or _default_port(parts.scheme))
    return url


def _parse(url: str) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise WebhookURLError("the webhook URL is empty")
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise WebhookURLError(
            "the webhook URL is too long or contains spaces or control characters"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as error:
        raise WebhookURLError(f"the webhook URL is malformed: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookURLError("the webhook URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise WebhookURLError("the webhook URL must not contain a user name or password")
    if not parts.hostname:
        raise WebhookURLError("the webhook URL has no host")
    return parts


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def resolve_public(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, all of them public; WebhookURLError otherwise."""
    addresses = _resolve(host, port)
    for address in addresses:
        reason = _non_public_reason(address)
        if reason:
            raise WebhookURLError(
                f"the webhook host {host} resolves to {address}, a {reason} address; "
                "webhooks may only reach public addresses"
            )
    return addresses


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookURLError(f"the webhook host {host} cannot be resolved: {error}") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise WebhookURLError(f"the webhook host {host} has no address")
    return addresses


def _non_public_reason(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _teredo_client(address)
        if embedded is not None:
            return _non_public_reason(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _teredo_client(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    teredo = address.teredo
    return teredo[1] if teredo else None


def post_json(
    url: str,
    payload: dict,
    *,
    allow_private: bool,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
) -> int:
    """POST `payload` as JSON to the checked address; the HTTP status, or WebhookError."""
    parts = _parse(url)
    port = parts.port or _default_port(parts.scheme)
    addresses = (
        _resolve(parts.hostname, port) if allow_private else resolve_public(parts.hostname, port)
    )
    target, headers, extensions = _pinned(parts, addresses[0], port)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST", target, json=payload, headers=headers, extensions=extensions
            ) as response,
        ):
            return _check_status(url, response)
    except httpx.TimeoutException:
        raise WebhookError(f"the webhook {url} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise WebhookError(f"the webhook {url} could not be reached: {error}") from None


def _pinned(
    parts: SplitResult, address: IPAddress, port: int
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with the checked address as its host, the real name kept for Host and TLS."""
    host = f"[{address}]" if address.version == 6 else str(address)
    default = port == _default_port(parts.scheme)
    target = parts._replace(netloc=host if default else f"{host}:{port}").geturl()
    name = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    headers = {
        "Host": name if default else f"{name}:{port}",
        "User-Agent": f"AcademicHub/{__version__} (webhook)",
    }
    return target, headers, {"sni_hostname": parts.hostname}


def _check_status(url: str, response: httpx.Response) -> int:
    if 300 <= response.status_code < 400:
        raise WebhookError(
            f"the webhook {url} answered a redirect ({response.status_code}); "
            "redirects are not followed, set the final URL"
        )
    if response.status_code >= 400:
        detail = _start_of_body(response)
        raise WebhookError(
            f"the webhook {url} answered HTTP {response.status_code}"
            + (f": {detail}" if detail else "")
        )
    return response.status_code


def _start_of_body(response: httpx.Response) -> str:
    """A little of an error answer, for the log; never the whole (maybe huge) body."""
    collected = b""
    for chunk in response.iter_bytes():
        collected += chunk
        if len(collected) >= ERROR_BODY_BYTES:
            break
    return " ".join(collected[:ERROR_BODY_BYTES].decode(errors="replace").split())


def radar_payload(day: date, email: str, items: Sequence[DigestItem]) -> dict:
    """The JSON a radar webhook receives: the day, the person, the papers with their reasons."""
    return {
        "day": day.isoformat(),
        "user": email,
        "items": [
            {
                "id": item.public_id,
                "title": item.title,
                "authors": list(item.authors),
                "url": item.url,
                "pdf_url": item.pdf_url,
                "reasons": list(item.reasons),
            }
            for item in items
        ],
    }


def post_radar(
    url: str, payload: dict, *, allow_private: bool, timeout: float = WEBHOOK_TIMEOUT_SECONDS
) -> int:
    """POST a day's radar (`{"day", "user", "items": [...]}`, see radar_payload)."""
    return post_json(url, payload, allow_private=allow_private, timeout=timeout)
