"""HTTPS through the pinned connection: the address the guard checked is the one connected to,
while the host name still goes in TLS SNI and the Host header, and the certificate is verified
against the name, not the address. A TLS server on 127.0.0.1 with a test CA's certificate."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from extractors.errors import FetchError
from extractors.fetch import Fetcher, FetchLimits, FetchResult, trusted_certificates

NAME = "news.pinned.test"  # resolves to 127.0.0.1 here, through the patched resolver
FAST = FetchLimits(min_host_interval=0, max_retries=0, connect_timeout=2.0)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certs(folder: Path, host: str) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for `host` it signs: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("labwatch test CA"))
        .issuer_name(_name("labwatch test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class TLSServer:
    """One-request-per-connection HTTPS on 127.0.0.1; records SNI names and Host headers."""

    cert: Path
    key: Path
    port: int = 0
    sni: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    def start(self) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        ctx.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)  # type: ignore[assignment,func-returns-value]
        self._ctx = ctx
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self._sock.accept()
            except OSError:
                return
            try:
                with self._ctx.wrap_socket(raw, server_side=True) as conn:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    for line in data.decode("latin-1").split("\r\n"):
                        if line.lower().startswith("host:"):
                            self.hosts.append(line[5:].strip())
                    body = b"<html><body><p>pinned and verified</p></body></html>"
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
            except (ssl.SSLError, OSError):
                pass  # a client that refused our certificate

    def stop(self) -> None:
        self._sock.close()


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names ending in ".pinned.test" resolve to 127.0.0.1; yields the lookups made."""
    real = socket.getaddrinfo
    made: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode("ascii")
        if isinstance(host, str) and host.endswith(".pinned.test"):
            made.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield made


def fetch(url: str, ca: Path, port: int) -> FetchResult:
    limits = replace(FAST, allowed_private_hosts=frozenset({f"{NAME}:{port}"}))

    async def run() -> FetchResult:
        async with Fetcher(limits, ssl.create_default_context(cafile=str(ca))) as fetcher:
            return await fetcher.get(url)

    return asyncio.run(run())


def test_https_keeps_sni_host_and_verification_through_the_pin(
    tmp_path: Path, lookups: list[str]
) -> None:
    ca, cert, key = make_certs(tmp_path, NAME)
    server = TLSServer(cert, key)
    server.start()
    try:
        result = fetch(f"https://{NAME}:{server.port}/a", ca, server.port)
    finally:
        server.stop()
    assert result.status == 200 and b"pinned and verified" in result.body
    assert lookups == [NAME]  # one lookup, by the guard: the connection used its answer
    assert server.sni == [NAME]  # the name, not 127.0.0.1, went in the TLS handshake
    assert server.hosts == [f"{NAME}:{server.port}"]


def test_a_certificate_for_another_name_is_refused(tmp_path: Path, lookups: list[str]) -> None:
    ca, cert, key = make_certs(tmp_path, "other.example")  # valid, but not for NAME
    server = TLSServer(cert, key)
    server.start()
    try:
        with pytest.raises(FetchError):
            fetch(f"https://{NAME}:{server.port}/a", ca, server.port)
    finally:
        server.stop()
    assert server.hosts == []  # no request was sent over the unverified connection


def test_fetchers_trust_certifis_certificates_loaded_once_a_thread(
    tmp_path: Path, lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetcher given no context of its own trusts certifi's certificates, as httpx does
    (the test CA is not among them: its certificate is refused), loaded once for every
    fetcher of a thread (issue 19: each load is about 20 ms of CPU); another thread has its
    own, as httpcore changes a context's ALPN protocols at each connection."""
    mine = trusted_certificates()  # loaded now, if nothing before did
    theirs: list[ssl.SSLContext] = []
    other = threading.Thread(target=lambda: theirs.append(trusted_certificates()))
    other.start()
    other.join()
    assert theirs[0] is not mine and trusted_certificates() is mine
    assert theirs[0].verify_mode == ssl.CERT_REQUIRED and theirs[0].check_hostname
    loads: list[object] = []
    real = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        loads.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    _, cert, key = make_certs(tmp_path, NAME)  # its CA is not given to the fetcher
    server = TLSServer(cert, key)
    server.start()
    limits = replace(FAST, allowed_private_hosts=frozenset({f"{NAME}:{server.port}"}))

    async def run() -> None:
        for _ in range(2):
            async with Fetcher(limits) as fetcher:
                with pytest.raises(FetchError):
                    await fetcher.get(f"https://{NAME}:{server.port}/a")

    try:
        asyncio.run(run())
    finally:
        server.stop()
    assert loads == []
    assert server.hosts == []  # refused before any request went over the connection
