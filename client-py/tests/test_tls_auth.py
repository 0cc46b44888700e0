"""TLS, mutual TLS and bearer tokens through a real stratad: Strata.open's
tls= and token= arguments (docs/security.md). Certificates are throwaway ones
made with the openssl command for this module."""

import subprocess

import pytest

from stratadb import AccessDeniedError, Strata, TlsConfig, UnavailableError, ValidationError

READ = "py-read-token-0123456789"
WRITE = "py-write-token-0123456789"
ADMIN = "py-admin-token-0123456789"


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _ca(d, name):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.pem"), "-days", "2",
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def _leaf(d, ca, name, extensions):
    (d / f"{name}.ext").write_text(extensions)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"), "-subj", f"/CN={name}")
    _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / f"{ca}.pem"),
             "-CAkey", str(d / f"{ca}.key"), "-CAcreateserial", "-out", str(d / f"{name}.pem"),
             "-days", "2", "-extfile", str(d / f"{name}.ext"))


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    _ca(d, "ca")
    _leaf(d, "ca", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _leaf(d, "ca", "client", "extendedKeyUsage=clientAuth\n")
    return d


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# roles\nread {READ}\nwrite {WRITE}\nadmin {ADMIN}\n")
    return path


def _tls_args(certs):
    return ["--tls-cert", str(certs / "server.pem"), "--tls-key", str(certs / "server.key")]


def test_tls_with_a_ca_path(stratad_factory, certs):
    server = stratad_factory(_tls_args(certs))
    with Strata.open(server.address, tls={"ca": str(certs / "ca.pem")}, timeout=10) as db:
        db.kv_put("k", 1)
        assert db.kv_get("k") == 1


def test_tls_with_pem_bytes_and_a_server_name(stratad_factory, certs):
    server = stratad_factory(_tls_args(certs))
    config = TlsConfig(ca=(certs / "ca.pem").read_bytes(), server_name="localhost")
    with Strata.open(server.address, tls=config, timeout=10) as db:
        assert db.ping()


def test_tls_refuses_a_wrong_server_name(stratad_factory, certs):
    server = stratad_factory(_tls_args(certs))
    with pytest.raises(UnavailableError):
        Strata.open(server.address, tls={"ca": str(certs / "ca.pem"), "server_name": "elsewhere.example"}, timeout=3)


def test_plaintext_client_cannot_talk_to_a_tls_server(stratad_factory, certs):
    server = stratad_factory(_tls_args(certs))
    with pytest.raises(UnavailableError):
        Strata.open(server.address, timeout=3)


def test_system_roots_do_not_trust_a_private_ca(stratad_factory, certs):
    server = stratad_factory(_tls_args(certs))
    with pytest.raises(UnavailableError):
        Strata.open(server.address, tls=True, timeout=3)


def test_mutual_tls_needs_the_client_certificate(stratad_factory, certs):
    server = stratad_factory([*_tls_args(certs), "--tls-client-ca", str(certs / "ca.pem")])
    with pytest.raises(UnavailableError):
        Strata.open(server.address, tls={"ca": str(certs / "ca.pem")}, timeout=3)
    mtls = {"ca": str(certs / "ca.pem"), "cert": str(certs / "client.pem"), "key": str(certs / "client.key")}
    with Strata.open(server.address, tls=mtls, timeout=10) as db:
        db.kv_put("k", "v")
        assert db.kv_get("k") == "v"


def test_tls_options_are_validated(certs):
    with pytest.raises(ValidationError, match="go together"):
        Strata.open("127.0.0.1:1", tls={"cert": str(certs / "client.pem")})
    with pytest.raises(ValidationError, match="unknown tls option"):
        Strata.open("127.0.0.1:1", tls={"cafile": "x"})
    with pytest.raises(ValidationError, match="cannot read TLS CA certificate"):
        Strata.open("127.0.0.1:1", tls={"ca": str(certs / "missing.pem")})


def test_token_roles(stratad_factory, token_file):
    server = stratad_factory(["--auth-token-file", str(token_file)])
    with pytest.raises(AccessDeniedError):
        Strata.open(server.address, timeout=10)  # the connection check needs a token too
    with pytest.raises(AccessDeniedError):
        Strata.open(server.address, token="not-a-known-token-at-all", timeout=10)

    with Strata.open(server.address, token=WRITE, timeout=10) as writer:
        writer.kv_put("k", 1)
        with pytest.raises(AccessDeniedError):
            writer.flush()  # admin only
    with Strata.open(server.address, token=READ, timeout=10) as reader:
        assert reader.kv_get("k") == 1
        with pytest.raises(AccessDeniedError) as denied:
            reader.kv_put("k", 2)
        assert isinstance(denied.value, PermissionError)
        assert "write role" in str(denied.value)
    with Strata.open(server.address, token=ADMIN, timeout=10) as admin:
        admin.kv_put("k", 3)
        admin.flush()
        assert admin.kv_get("k") == 3


def test_token_over_mutual_tls(stratad_factory, certs, token_file):
    server = stratad_factory(
        [*_tls_args(certs), "--tls-client-ca", str(certs / "ca.pem"), "--auth-token-file", str(token_file)]
    )
    mtls = TlsConfig(ca=str(certs / "ca.pem"), cert=str(certs / "client.pem"), key=str(certs / "client.key"))
    with Strata.open(server.address, tls=mtls, token=READ, timeout=10) as db:
        assert db.kv_get("missing") is None
        with pytest.raises(AccessDeniedError):
            db.kv_put("k", 1)
