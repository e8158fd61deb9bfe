"""The one way the server makes an HTTP call on someone's behalf (webhooks, bot actions, URL and sitemap import).

Every hop is checked before it is made: the host is resolved and EVERY address it resolves to must be public
(not loopback, private, shared, link-local, multicast, reserved, unspecified or a cloud metadata address; IPv4,
IPv6 and IPv4 embedded in IPv6), unless ``OUTBOUND_ALLOWED_HOSTS`` names the host or ``OUTBOUND_ALLOWED_NETWORKS``
holds the address. The connection then goes to the address that was checked, never to a second lookup, so a
DNS answer that changes between check and connect (rebinding) cannot redirect it: the URL's host travels in the
Host header and, for HTTPS, as the TLS server name and the name the certificate is checked against.
Redirects are followed here, one hop at a time, each checked the same way. Each call has a deadline and a body
size limit, enforced while the body streams in.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Headers that keep their value when a redirect leaves the origin; everything else the caller set
# (credentials, signatures) is dropped there.
_CROSS_ORIGIN_SAFE_HEADERS = {"accept", "accept-language", "user-agent", "content-type"}
# Metadata services reachable from cloud instances: all inside ranges refused anyway, listed so that the
# reason says so and so that a broad allow-listed network does not open them by accident.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CHUNK = 64 * 1024


class OutboundError(Exception):
    """Base of every outbound failure; ``str()`` is safe to store and show to staff."""


class OutboundRefused(OutboundError):
    """The URL or an address it resolves to is not allowed (before any byte is sent to it)."""


class OutboundTimeout(OutboundError):
    """Connecting, reading, or the whole call took longer than its timeout."""


class OutboundTooLarge(OutboundError):
    """The response body passed the size limit; the rest was not read."""


class OutboundFailed(OutboundError):
    """The call could not be made or completed (DNS, connection, TLS, protocol, too many redirects)."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes
    url: str
    elapsed_s: float
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address is refused by default, or None when it is a public unicast address."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped (link-local) address"
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner)
            return f"{problem} (inside an IPv6 address)" if problem else None
    for attribute, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attribute):
            return reason
    if not ip.is_global:
        return "a non-public address"
    return None


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", [])]


def _allowed_hosts() -> set[str]:
    return {h.lower().strip("[]") for h in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", [])}


def _address_allowed(ip, networks) -> bool:
    # Metadata addresses must be named by a /32 (or /128) of their own: a broad network never opens them.
    if ip in METADATA_ADDRESSES:
        return any(net.num_addresses == 1 and ip in net for net in networks)
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundFailed(f"Could not resolve {host!r}.") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise OutboundFailed(f"{host!r} has no address.")
    return addresses


def check_url(url: str) -> _Target:
    """Parse, resolve and check one URL; raises OutboundRefused or OutboundFailed. Used for every hop."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("Not a valid URL.") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise OutboundRefused("Only http and https URLs are allowed.")
    if parts.username or parts.password:
        raise OutboundRefused("URLs with credentials in them are not allowed; use a header.")
    host = (parts.hostname or "").lower()
    if not host:
        raise OutboundRefused("The URL has no host.")
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host_allowed = host in _allowed_hosts()
    networks = _allowed_networks()
    addresses = _resolve(host, port)
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.version == 6 and "%" in address:
            ip = ipaddress.IPv6Address(address)
        problem = address_problem(ip)
        if problem and not host_allowed and not _address_allowed(ip, networks):
            raise OutboundRefused(f"{host} resolves to {problem} ({ip}); not allowed for outbound calls.")
    return _Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def _pool(target: _Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1, "block": False}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, server_hostname=target.host, cert_reqs="CERT_REQUIRED", **common
        )
    return urllib3.HTTPConnectionPool(address, **common)


def _read_limited(response: urllib3.BaseHTTPResponse, *, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise OutboundTooLarge(f"The response declares {declared} bytes; the limit is {max_bytes}.")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(_CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise OutboundTooLarge(f"The response passed the limit of {max_bytes} bytes.")
        if time.monotonic() > deadline:
            raise OutboundTimeout(f"The response took longer than {timeout_s:g} s.")
        chunks.append(chunk)
    return b"".join(chunks)


def _send_once(
    target: _Target, *, method: str, headers: dict[str, str], body: bytes | None, timeout_s: float, deadline: float,
    max_bytes: int,
) -> tuple[int, dict[str, str], bytes]:
    last_error: Exception | None = None
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundTimeout(f"No answer within {timeout_s:g} s.")
        timeout = urllib3.Timeout(connect=min(timeout_s, remaining), read=min(timeout_s, remaining))
        pool = _pool(target, address.split("%", 1)[0] if target.scheme == "https" else address, timeout)
        try:
            response = pool.urlopen(
                method, target.path, body=body, headers={**headers, "Host": target.host_header},
                redirect=False, preload_content=False, assert_same_host=False,
            )
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError) as exc:
            last_error = exc  # try the next checked address
            pool.close()
            continue
        except urllib3.exceptions.ReadTimeoutError as exc:
            pool.close()
            raise OutboundTimeout(f"No answer within {timeout_s:g} s.") from exc
        except urllib3.exceptions.HTTPError as exc:
            pool.close()
            raise OutboundFailed(f"The call failed: {type(exc).__name__}.") from exc
        try:
            data = _read_limited(response, max_bytes=max_bytes, deadline=deadline, timeout_s=timeout_s)
            return response.status, {k.lower(): v for k, v in response.headers.items()}, data
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise OutboundTimeout(f"The response took longer than {timeout_s:g} s.") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise OutboundFailed(f"Reading the response failed: {type(exc).__name__}.") from exc
        finally:
            response.release_conn()
            pool.close()
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: a refused connection is not a timeout.
    if isinstance(last_error, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
        last_error, urllib3.exceptions.NewConnectionError
    ):
        raise OutboundTimeout(f"Could not connect to {target.host} within {timeout_s:g} s.") from last_error
    raise OutboundFailed(f"Could not connect to {target.host}.") from last_error


def outbound_request(
    *,
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout_s: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int | None = None,
) -> OutboundResponse:
    """Make one checked call; returns the final response (any status) or raises an OutboundError."""
    timeout_s = float(timeout_s if timeout_s is not None else settings.OUTBOUND_TIMEOUT_S)
    max_bytes = int(max_bytes if max_bytes is not None else settings.OUTBOUND_MAX_BYTES)
    max_redirects = int(max_redirects if max_redirects is not None else settings.OUTBOUND_MAX_REDIRECTS)
    method = method.upper()
    sent_headers = {"User-Agent": settings.OUTBOUND_USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    started = time.monotonic()
    deadline = started + timeout_s
    current_url = url
    origin: tuple[str, str, int] | None = None
    for _hop in range(max_redirects + 1):
        target = check_url(current_url)
        if origin is not None and origin != (target.scheme, target.host, target.port):
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() in _CROSS_ORIGIN_SAFE_HEADERS}
        origin = origin or (target.scheme, target.host, target.port)
        status, response_headers, data = _send_once(
            target, method=method, headers=sent_headers, body=body, timeout_s=timeout_s, deadline=deadline,
            max_bytes=max_bytes,
        )
        location = response_headers.get("location")
        if status not in REDIRECT_STATUSES or not location:
            return OutboundResponse(
                status=status, body=data, url=current_url, elapsed_s=time.monotonic() - started, headers=response_headers
            )
        if status == 303 or (status in {301, 302} and method == "POST"):
            method, body = "GET", None
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() != "content-type"}
        current_url = urljoin(current_url, location)
    raise OutboundFailed(f"More than {max_redirects} redirects.")
