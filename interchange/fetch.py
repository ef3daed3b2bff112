"""
Fetching agency copy and pictures from the web, for feeds: every request has a timeout and a size limit, follows a
capped number of redirects, and refuses addresses inside our network (private, loopback, link-local and other
non-public ranges) unless the host is listed in FETCH_ALLOWED_HOSTS. The addresses checked are the addresses connected
to: the name is resolved once per hop and the connection is made to one of those addresses (each tried in turn), so a
name that resolves to a public address for the check and a private one for the request gains nothing. A request
takes at most three times the timeout in all, however slowly the server sends.

Pictures are checked by Pillow once fetched (what the server calls the content type counts for nothing).
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext

from articles.renditions import validate_image_file

REDIRECTS = (301, 302, 303, 307, 308)
# Worth another try: the server or the way to it may recover.
RETRYABLE_STATUSES = (408, 425, 429, 500, 502, 503, 504)
CHUNK = 64 * 1024
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


class FetchError(Exception):
    """A request that did not give a usable answer; `retryable` when trying again later may help."""

    def __init__(self, reason, retryable=False):
        super().__init__(reason)
        self.reason = str(reason)
        self.retryable = retryable


@dataclass
class Response:
    url: str
    status: int
    headers: dict = field(default_factory=dict)  # names lower-cased
    body: bytes = b""


def allowed_hosts():
    return {host.lower() for host in settings.FETCH_ALLOWED_HOSTS}


def is_public(address):
    """Whether an IP address is on the public internet (not private, loopback, link-local, reserved, ...)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False  # a translator of the site's own, to addresses that may be anywhere
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            # These forms reach the IPv4 address inside them (through a NAT64 or 6to4 gateway, or a stack that
            # still honours IPv4-compatible addresses), so that address is the one that must be public.
            ip = embedded
    return ip.is_global and not ip.is_multicast


def embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries (mapped, IPv4-compatible, well-known NAT64, 6to4), or None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d (not :: or ::1, which are IPv6's own)
        return ipaddress.IPv4Address(int(ip))
    return None


def resolve(host, port):
    """The addresses `host` resolves to, each checked: a host outside the allow-list must be public everywhere."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(gettext("{host} cannot be resolved ({error})").format(host=host, error=error), True) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if host.lower() not in allowed_hosts():
        for address in addresses:
            if not is_public(address):
                raise FetchError(
                    gettext(
                        "{host} is at {address}, an address inside a private network; only hosts in "
                        "FETCH_ALLOWED_HOSTS may be fetched from such addresses"
                    ).format(host=host, address=address)
                )
    return addresses


class DeadlineSocket:
    """
    A connected socket whose every send and receive waits only for the time left before `deadline`: a server that
    sends a byte now and then cannot stretch an answer past it, as it can when each read alone is timed.
    """

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.readers = 0
        self.closed = False

    def limit(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self.sock.settimeout(left)

    def sendall(self, data):
        self.limit()
        return self.sock.sendall(data)

    def recv_into(self, buffer, nbytes=0):
        self.limit()
        return self.sock.recv_into(buffer, nbytes)

    def makefile(self, mode="rb", *args, **kwargs):
        self.readers += 1
        return io.BufferedReader(DeadlineReader(self))

    def close(self):
        # As a socket does: http.client closes the connection while the response still reads from it.
        self.closed = True
        if self.readers == 0:
            self.sock.close()

    def reader_closed(self):
        self.readers -= 1
        if self.closed and self.readers == 0:
            self.sock.close()


class DeadlineReader(io.RawIOBase):
    def __init__(self, sock):
        self.sock = sock

    def readable(self):
        return True

    def readinto(self, buffer):
        return self.sock.recv_into(buffer)

    def close(self):
        if not self.closed:
            self.sock.reader_closed()
        super().close()


def connect(addresses, port, timeout, deadline):
    """A socket connected to the first of `addresses` (each already checked) that answers in time."""
    error = None
    for address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        try:
            return socket.create_connection((address, port), min(timeout, left))
        except OSError as failure:
            error = failure
    raise error or OSError(gettext("no address to connect to"))


class PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to already checked addresses, whatever the host name resolves to now."""

    def __init__(self, host, port, addresses, timeout, deadline):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses
        self.deadline = deadline

    def connect(self):
        self.sock = DeadlineSocket(connect(self.addresses, self.port, self.timeout, self.deadline), self.deadline)


class PinnedTLSConnection(http.client.HTTPSConnection):
    """As PinnedConnection, over TLS, with the certificate checked for the host name."""

    def __init__(self, host, port, addresses, timeout, deadline):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.addresses = addresses
        self.deadline = deadline

    def connect(self):
        sock = connect(self.addresses, self.port, self.timeout, self.deadline)
        # The handshake is bounded by the deadline too.
        sock.settimeout(max(self.deadline - time.monotonic(), 0.001))
        self.sock = DeadlineSocket(self._context.wrap_socket(sock, server_hostname=self.host), self.deadline)


def origin(url):
    """(scheme, host, port) of an http(s) address; FetchError for one that is not, or cannot be read."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # A port out of range or a malformed IPv6 literal: the address is bad, not the feed.
        raise FetchError(gettext("{url} is not a valid address").format(url=url[:200])) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(gettext("{url} is not an http(s) address").format(url=url[:200]))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def fetch(url, *, max_bytes, headers=None, timeout=None, max_redirects=None):
    """
    GET `url` and return its Response (any status but a redirect); raises FetchError for an address refused, a
    connection or a read that fails or takes too long, a body over `max_bytes`, or too many redirects.
    """
    timeout = settings.FETCH_TIMEOUT_SECONDS if timeout is None else timeout
    max_redirects = settings.FETCH_MAX_REDIRECTS if max_redirects is None else max_redirects
    headers = dict(headers or {})
    deadline = time.monotonic() + timeout * 3
    for _hop in range(max_redirects + 1):
        scheme, host, port = origin(url)
        addresses = resolve(host, port)
        connection_class = PinnedTLSConnection if scheme == "https" else PinnedConnection
        connection = connection_class(host, port, addresses, timeout, deadline)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "User-Agent": settings.FETCH_USER_AGENT,
                    "Accept-Encoding": "identity",
                    **headers,
                },
            )
            answer = connection.getresponse()
            response_headers = {name.lower(): value for name, value in answer.getheaders()}
            if answer.status in REDIRECTS and "location" in response_headers:
                target = urljoin(url, response_headers["location"])
                if origin(target) != (scheme, host, port):
                    # Credentials are for the server they were given for: another port or plain http is another
                    # server, or an eavesdropper's chance.
                    headers.pop("Authorization", None)
                url = target
                continue
            body = read_limited(answer, response_headers, max_bytes, deadline, url)
            return Response(url=url, status=answer.status, headers=response_headers, body=body)
        except (OSError, http.client.HTTPException) as error:
            reason = gettext("timed out") if isinstance(error, TimeoutError) else str(error) or type(error).__name__
            raise FetchError(gettext("{url}: {reason}").format(url=url[:200], reason=reason), True) from None
        finally:
            connection.close()
    raise FetchError(gettext("{url}: more than {count} redirects").format(url=url[:200], count=max_redirects))


def read_limited(answer, headers, max_bytes, deadline, url):
    """The body, refused as soon as it is longer than `max_bytes` (whatever Content-Length said) or too slow."""
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(
            gettext("{url} is {size} bytes; the limit is {limit}").format(
                url=url[:200], size=f"{int(length):,}", limit=f"{max_bytes:,}"
            )
        )
    chunks, size = [], 0
    # read1 waits for one receive at most, so the deadline is looked at between receives.
    while chunk := answer.read1(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(
                gettext("{url} is larger than {limit} bytes").format(url=url[:200], limit=f"{max_bytes:,}")
            )
        if time.monotonic() > deadline:
            raise FetchError(gettext("{url}: timed out").format(url=url[:200]), True)
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_with_retries(url, *, max_bytes, headers=None, retries=None, backoff=None, sleep=time.sleep):
    """
    `fetch`, tried again after a growing pause (backoff, twice that, ...) when the failure may pass: a connection
    error, a timeout, a 5xx or 429 answer. The last answer or error is what it returns or raises.
    """
    retries = settings.FETCH_RETRIES if retries is None else retries
    backoff = settings.FETCH_BACKOFF_SECONDS if backoff is None else backoff
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = fetch(url, max_bytes=max_bytes, headers=headers)
        except FetchError as error:
            if not error.retryable or last:
                raise
        else:
            if response.status not in RETRYABLE_STATUSES or last:
                return response
        sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # the last attempt returns or raises


def fetch_picture(url, headers=None):
    """
    A picture's bytes from `url`, checked like an upload (size, pixel count, a real JPEG, PNG, WebP or GIF by
    Pillow's reading of it); raises FetchError saying why a picture was refused.
    """
    response = fetch_with_retries(url, max_bytes=settings.IMAGE_MAX_BYTES, headers=headers)
    if response.status != 200:
        raise FetchError(gettext("{url} answered {status}").format(url=url[:200], status=response.status))
    try:
        validate_image_file(ContentFile(response.body))
    except ValidationError as error:
        raise FetchError(gettext("{url}: {reason}").format(url=url[:200], reason="; ".join(error.messages))) from None
    return response.body
