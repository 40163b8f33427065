"""Where webhooks may go: https only (http to this machine outside production), never to link-local or
cloud metadata addresses, and in production not into private networks unless ESS_WEBHOOK_ALLOWED_NETWORKS
names them. Checked when an admin saves a URL and again, after resolving the name, before every delivery."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ess.errors import DomainError

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Cloud metadata services (169.254.169.254, fd00:ec2::254) live here; no receiver ever does.
NEVER = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"),
         ipaddress.ip_network("fd00:ec2::/32"))


class AddressRefused(Exception):
    """The receiver's address is one webhooks must not reach."""


def check_url(url: str, *, production: bool, allowed_networks=()) -> str:
    """The URL as stored, or DomainError(field="url") saying what is wrong with it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http") or len(url) > 2000:
        raise DomainError(_l("Enter a full address starting with https://."), field="url", code="invalid")
    if parts.username or parts.password:
        # They would be stored and shown in clear; the signature is how receivers know the sender.
        raise DomainError(_l("Leave user names and passwords out of the address."), field="url", code="invalid")
    if parts.scheme == "http" and (production or host not in LOCAL_HOSTS):
        raise DomainError(_l("Use https:// (http:// only for localhost while testing)."), field="url",
                          code="insecure")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    try:
        check_address(address, production=production, allowed_networks=allowed_networks)
    except AddressRefused:
        raise DomainError(_l("Webhooks cannot be sent to this address."), field="url", code="refused") from None
    return url


def check_address(address, *, production: bool, allowed_networks=()) -> None:
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if any(address in network for network in NEVER) or address.is_unspecified or address.is_multicast:
        raise AddressRefused(f"{address} is a link-local, metadata or otherwise unusable address")
    if production and (address.is_private or address.is_loopback or address.is_reserved) \
            and not any(address in network for network in allowed_networks):
        raise AddressRefused(f"{address} is a private address (ESS_WEBHOOK_ALLOWED_NETWORKS does not include it)")


def check_host(host: str, port: int, *, production: bool, allowed_networks=()) -> None:
    """Resolve the receiver's name and refuse it when any of its addresses is refused."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise AddressRefused(f"cannot resolve {host}: {error}") from None
    for info in infos:
        check_address(ipaddress.ip_address(info[4][0].split("%")[0]), production=production,
                      allowed_networks=allowed_networks)
