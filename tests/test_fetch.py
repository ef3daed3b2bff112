"""
`interchange.fetch` against servers of our own: a malformed address is a FetchError, credentials stay with the
server they were given for, a server sending a byte now and then is cut off at the deadline, every checked address
is tried, and IPv6 forms carrying an IPv4 address are judged by that address.
"""

import socket
import threading
import time
from unittest import mock

from django.test import SimpleTestCase, override_settings

from interchange import fetch

from .test_ingest import FAST, AgencyServer


def dribbling_server(test, pause, count):
    """A server that answers with a header sent a byte every `pause` seconds, `count` bytes in all."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        connection, _address = listener.accept()
        with connection:
            connection.recv(1000)
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: ")
                for _ in range(count):
                    if stop.wait(pause):
                        return
                    connection.sendall(b"a")
                connection.sendall(b"\r\n\r\nok")
            except OSError:
                pass  # the client gave up, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    test.addCleanup(listener.close)
    test.addCleanup(thread.join, 5)
    test.addCleanup(stop.set)
    return f"http://127.0.0.1:{listener.getsockname()[1]}/"


@override_settings(**FAST)
class FetchTests(SimpleTestCase):
    def server(self):
        server = AgencyServer()
        self.addCleanup(server.close)
        return server

    def test_a_malformed_address_is_a_fetch_error(self):
        for url in ("http://127.0.0.1:99999/p.jpg", "http://[::1/p.jpg", "ftp://example.com/p.jpg"):
            with self.subTest(url=url), self.assertRaises(fetch.FetchError):
                fetch.fetch(url, max_bytes=100)

    def test_a_malformed_redirect_is_a_fetch_error(self):
        server = self.server()
        server.routes["/r"] = (302, {"Location": "http://127.0.0.1:99999/x"}, b"")
        with self.assertRaisesMessage(fetch.FetchError, "not a valid address"):
            fetch.fetch(server.url("/r"), max_bytes=100)

    def test_credentials_follow_a_redirect_only_to_the_same_scheme_host_and_port(self):
        first, other = self.server(), self.server()
        seen = []
        for server in (first, other):
            answer = server.answer
            server.answer = lambda request, answer=answer: (
                seen.append(request.headers["Authorization"]) or answer(request)
            )
        first.routes["/same"] = (302, {"Location": "/x"}, b"")
        first.routes["/other-port"] = (302, {"Location": other.url("/x")}, b"")
        credentials = {"Authorization": "Basic c2VjcmV0"}
        fetch.fetch(first.url("/same"), max_bytes=100, headers=credentials)
        self.assertEqual(seen, ["Basic c2VjcmV0", "Basic c2VjcmV0"])
        seen.clear()
        fetch.fetch(first.url("/other-port"), max_bytes=100, headers=credentials)
        self.assertEqual(seen, ["Basic c2VjcmV0", None])

    def test_a_server_sending_a_byte_now_and_then_is_cut_off_at_the_deadline(self):
        # Each byte comes well within the timeout; the whole answer would take 3 s against a deadline of 0.6 s.
        url = dribbling_server(self, pause=0.1, count=30)
        started = time.monotonic()
        with self.assertRaisesMessage(fetch.FetchError, "timed out"):
            fetch.fetch(url, max_bytes=100, timeout=0.2)
        self.assertLess(time.monotonic() - started, 1.5)

    @override_settings(FETCH_ALLOWED_HOSTS=["agency.test"])
    def test_each_address_is_tried_in_turn(self):
        server = self.server()
        server.routes["/x"] = (200, {}, b"ok")
        real = socket.getaddrinfo

        def two_addresses(host, port, *args, **kwargs):
            if host != "agency.test":
                return real(host, port, *args, **kwargs)
            # Nothing listens on 127.0.0.2: the first address refuses the connection.
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]

        with mock.patch("socket.getaddrinfo", two_addresses):
            response = fetch.fetch(f"http://agency.test:{server.port}/x", max_bytes=100)
        self.assertEqual(response.body, b"ok")

    def test_ipv6_forms_carrying_an_ipv4_address_are_judged_by_it(self):
        for address in ("64:ff9b::7f00:1", "::127.0.0.1", "2002:a00:1::1", "::ffff:10.0.0.1", "64:ff9b:1::808:808"):
            with self.subTest(address=address):
                self.assertFalse(fetch.is_public(address))
        for address in ("64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2001:4860:4860::8888"):
            with self.subTest(address=address):
                self.assertTrue(fetch.is_public(address))
        with mock.patch("socket.getaddrinfo", return_value=[(socket.AF_INET6, 1, 6, "", ("64:ff9b::a9fe:a9fe", 80))]):
            with self.assertRaisesMessage(fetch.FetchError, "private network"):
                fetch.fetch("http://metadata.example/", max_bytes=100)
