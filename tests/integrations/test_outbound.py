"""integrations.outbound against a real HTTP server on loopback: the address rules, redirects, timeouts, size."""

import datetime as dt
import ipaddress
import socket
import ssl

import pytest
from django.test import override_settings

from integrations.outbound import (
    OutboundFailed,
    OutboundRefused,
    OutboundTimeout,
    OutboundTooLarge,
    address_problem,
    check_url,
    outbound_request,
)
from tests.integrations.loopback import Reply, loopback_server

LOOPBACK = override_settings(OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"])


@pytest.fixture
def server():
    with loopback_server() as s:
        yield s


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.100.100.200", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254",
        "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:7f00:1::",
    ],
)
def test_non_public_addresses_have_a_problem(address):
    assert address_problem(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert address_problem(ipaddress.ip_address(address)) is None


def test_loopback_is_refused_without_an_allow_list(server):
    server.routes["/ok"] = Reply(body=b"hello")
    with pytest.raises(OutboundRefused, match="loopback"):
        outbound_request(method="GET", url=server.url("/ok"))
    with pytest.raises(OutboundRefused):
        outbound_request(method="GET", url=server.url("/ok", host="localhost"))
    assert server.requests == []


def test_every_resolved_address_is_checked(monkeypatch):
    # A name that resolves to one public and one private address is refused: the private one could be used.
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:10.0.0.1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(OutboundRefused, match="private"):
        check_url("https://mixed.example.com/x")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "http:///x"])
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(OutboundRefused):
        check_url(url)


def test_allowed_by_network_or_host(server):
    server.routes["/ok"] = Reply.json({"hello": "world"})
    with LOOPBACK:
        response = outbound_request(method="GET", url=server.url("/ok"))
    assert response.status == 200 and response.json() == {"hello": "world"}
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["localhost"]):
        assert outbound_request(method="GET", url=server.url("/ok", host="localhost")).ok
    # The Host header carries the URL's host although the connection went to the checked address.
    assert server.requests[-1].headers["host"] == f"localhost:{server.port}"


def test_a_broad_network_does_not_open_the_metadata_address():
    with override_settings(OUTBOUND_ALLOWED_NETWORKS=["169.254.0.0/16"]), pytest.raises(OutboundRefused, match="metadata"):
        check_url("http://169.254.169.254/latest/meta-data/")


def test_redirects_are_followed_and_each_hop_checked(server):
    server.routes["/final"] = Reply(body=b"done")
    server.routes["/hop"] = Reply(status=302, headers={"Location": "/final"})
    with LOOPBACK:
        response = outbound_request(method="GET", url=server.url("/hop"))
    assert response.text() == "done" and response.url.endswith("/final")


def test_a_redirect_into_a_private_address_is_refused(server):
    # The first hop is allow-listed by name; the redirect goes to 127.0.0.1 by address, which is not.
    server.routes["/hop"] = Reply(status=302, headers={"Location": server.url("/secret")})
    server.routes["/secret"] = Reply(body=b"internal")
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["localhost"]), pytest.raises(OutboundRefused, match="loopback"):
        outbound_request(method="GET", url=server.url("/hop", host="localhost"))
    assert server.hits("/secret") == []


def test_too_many_redirects_fail(server):
    server.routes["/loop"] = Reply(status=301, headers={"Location": "/loop"})
    with LOOPBACK, pytest.raises(OutboundFailed, match="redirects"):
        outbound_request(method="GET", url=server.url("/loop"), max_redirects=2)
    assert len(server.hits("/loop")) == 3


def test_credentials_are_dropped_on_a_cross_origin_redirect(server):
    with loopback_server() as other:
        other.routes["/there"] = Reply(body=b"ok")
        server.routes["/hop"] = Reply(status=307, headers={"Location": other.url("/there")})
        with LOOPBACK:
            outbound_request(method="GET", url=server.url("/hop"), headers={"Authorization": "Bearer s3cret"})
        assert server.hits("/hop")[0].headers["authorization"] == "Bearer s3cret"
        assert "authorization" not in other.hits("/there")[0].headers


def test_a_slow_answer_times_out(server):
    server.routes["/slow"] = Reply(body=b"late", delay_s=1.5)
    with LOOPBACK, pytest.raises(OutboundTimeout):
        outbound_request(method="GET", url=server.url("/slow"), timeout_s=0.3)


def test_an_unreachable_port_fails_cleanly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with LOOPBACK, pytest.raises(OutboundFailed):
        outbound_request(method="GET", url=f"http://127.0.0.1:{port}/", timeout_s=1)


def test_a_large_body_is_aborted(server):
    server.routes["/declared"] = Reply(body=b"x" * 5000)
    server.routes["/streamed"] = Reply(body=b"x" * 300_000, declare_length=False)
    server.routes["/small"] = Reply(body=b"x" * 900, declare_length=False)
    with LOOPBACK:
        with pytest.raises(OutboundTooLarge, match="declares"):
            outbound_request(method="GET", url=server.url("/declared"), max_bytes=1000)
        with pytest.raises(OutboundTooLarge, match="passed the limit"):
            outbound_request(method="GET", url=server.url("/streamed"), max_bytes=100_000)
        assert len(outbound_request(method="GET", url=server.url("/small"), max_bytes=1000).body) == 900


def test_post_sends_the_body_and_headers(server):
    server.routes["/hook"] = Reply(status=204)
    with LOOPBACK:
        response = outbound_request(method="POST", url=server.url("/hook"), body=b'{"a":1}', headers={"Content-Type": "application/json"})
    assert response.status == 204
    hit = server.hits("/hook")[0]
    assert (hit.method, hit.body, hit.headers["content-type"]) == ("POST", b'{"a":1}', "application/json")


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(server, monkeypatch):
    """DNS rebinding: the name answers a allowed address when checked and a private one afterwards; the call
    still reaches the checked address, with the name in the Host header."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = next(answers, "10.9.9.9")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.routes["/ok"] = Reply(body=b"pinned")
    with LOOPBACK:
        response = outbound_request(method="GET", url=server.url("/ok", host="rebind.test"), timeout_s=2)
    assert response.text() == "pinned"
    assert server.requests[-1].headers["host"] == f"rebind.test:{server.port}"


def _self_signed(tmp_path, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize(("served_name", "verifies"), [("localhost", True), ("other.example", False)])
def test_https_sends_the_name_and_verifies_the_certificate_against_it(tmp_path, monkeypatch, served_name, verifies):
    cert, key = _self_signed(tmp_path, served_name)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the only trusted certificate: the server's own
    seen_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen_names.append(name)
    with loopback_server() as tls:
        tls.httpd.socket = context.wrap_socket(tls.httpd.socket, server_side=True)
        tls.routes["/ok"] = Reply(body=b"secure")
        url = f"https://localhost:{tls.port}/ok"
        with override_settings(OUTBOUND_ALLOWED_HOSTS=["localhost"]):
            if verifies:
                assert outbound_request(method="GET", url=url, timeout_s=3).text() == "secure"
            else:
                with pytest.raises(OutboundFailed):
                    outbound_request(method="GET", url=url, timeout_s=3)
    # The connection went to the checked address, yet TLS was told (and checked) the URL's name.
    assert seen_names and set(seen_names) == {"localhost"}
