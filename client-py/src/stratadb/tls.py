"""TLS settings for `Strata.open(..., tls=...)`: what to trust, which client
certificate to present (mutual TLS), and which name to expect in the server's
certificate. See docs/security.md."""

import os
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import grpc

from .errors import ValidationError

# A file path, or the PEM itself (bytes, or a str that starts like PEM).
Pem = Union[str, bytes, os.PathLike]

_PEM_START = "-----BEGIN"


@dataclass(frozen=True)
class TlsConfig:
    """TLS for a connection; every field is optional.

    ca: the CA certificate(s) to trust; None trusts the system roots.
    cert, key: a client certificate and its private key, for a server that
        requires them (stratad --tls-client-ca). Both or neither.
    server_name: the name to check the server's certificate against, when it
        differs from the host dialled (e.g. dialling an IP address).
    """

    ca: Optional[Pem] = None
    cert: Optional[Pem] = None
    key: Optional[Pem] = None
    server_name: Optional[str] = None


def _pem(value, what: str) -> Optional[bytes]:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.lstrip().startswith(_PEM_START):
        return value.encode("ascii")
    if isinstance(value, (str, os.PathLike)):
        try:
            with open(value, "rb") as f:
                return f.read()
        except OSError as e:
            raise ValidationError(f"cannot read TLS {what} {os.fspath(value)!r}: {e.strerror}", reason="validation") from None
    raise ValidationError(f"TLS {what} must be a path or PEM bytes, got {type(value).__name__}", reason="validation")


def _config_of(tls) -> TlsConfig:
    if isinstance(tls, TlsConfig):
        return tls
    if isinstance(tls, dict):
        unknown = set(tls) - {"ca", "cert", "key", "server_name"}
        if unknown:
            raise ValidationError(
                f"unknown tls option(s) {sorted(unknown)}; use ca, cert, key, server_name", reason="validation"
            )
        return TlsConfig(**tls)
    if isinstance(tls, (str, bytes, bytearray, os.PathLike)):
        return TlsConfig(ca=tls)  # a CA on its own, as earlier versions took it
    raise ValidationError(
        "tls must be None, a bool, a dict or TlsConfig (ca, cert, key, server_name), a CA path or PEM bytes, "
        f"or grpc.ChannelCredentials; got {type(tls).__name__}",
        reason="validation",
    )


def tls_settings(tls) -> Tuple[Optional[grpc.ChannelCredentials], Tuple[Tuple[str, str], ...]]:
    """The channel credentials (None: plaintext) and extra channel options for `tls`.

    None/False: plaintext. True: TLS trusting the system roots. A dict or
    TlsConfig: as described there. A path or PEM bytes: TLS trusting that CA.
    A grpc.ChannelCredentials: used as is.
    """
    if tls is None or tls is False:
        return None, ()
    if tls is True:
        return grpc.ssl_channel_credentials(), ()
    if isinstance(tls, grpc.ChannelCredentials):
        return tls, ()
    config = _config_of(tls)
    if (config.cert is None) != (config.key is None):
        raise ValidationError("tls cert and key go together: give both for mutual TLS, or neither", reason="validation")
    if config.server_name is not None and (not isinstance(config.server_name, str) or not config.server_name):
        raise ValidationError("tls server_name must be a non-empty str", reason="validation")
    creds = grpc.ssl_channel_credentials(
        root_certificates=_pem(config.ca, "CA certificate"),
        private_key=_pem(config.key, "client key"),
        certificate_chain=_pem(config.cert, "client certificate"),
    )
    options = (("grpc.ssl_target_name_override", config.server_name),) if config.server_name else ()
    return creds, options
