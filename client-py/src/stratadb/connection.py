"""Turning `Strata.open`'s target, tls and token arguments into a gRPC
channel and per-call metadata (spec/api.md §1)."""

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import grpc

from ._version import __version__
from .errors import NotSupportedError, ValidationError
from .tls import tls_settings

ENV_ADDRESS = "STRATA_ADDRESS"
DEFAULT_PORT = 50051
DEFAULT_ADDRESS = f"127.0.0.1:{DEFAULT_PORT}"
_SCHEME = "strata://"

# The server decides how large a message may be (--max-message-size, 64 MiB
# by default); grpc's client default of 4 MiB would refuse a legal 16 MiB
# value on the way back, so the client imposes no limit of its own.
_CHANNEL_OPTIONS = (
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.primary_user_agent", f"stratadb-python/{__version__}"),
)


@dataclass(frozen=True)
class Target:
    """Where to connect: the string grpc dials and the one shown to users."""

    grpc_target: str
    address: str


def _with_port(hostport: str) -> str:
    if hostport.startswith("["):  # [v6addr] or [v6addr]:port
        return hostport if "]:" in hostport else f"{hostport}:{DEFAULT_PORT}"
    if hostport.count(":") > 1:  # a bare IPv6 address cannot carry a port
        return f"[{hostport}]:{DEFAULT_PORT}"
    return hostport if ":" in hostport else f"{hostport}:{DEFAULT_PORT}"


def parse_target(target) -> Target:
    """Resolve `target` (None, "host:port", "strata://host:port", "unix:/path").

    None reads $STRATA_ADDRESS, else 127.0.0.1:50051. A directory path (one
    starting with "/", "." or "~", or naming an existing directory) means a
    private local server, which this version does not provide yet.
    """
    if target is None:
        target = os.environ.get(ENV_ADDRESS) or DEFAULT_ADDRESS
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str):
        raise ValidationError(f"target must be str or None, got {type(target).__name__}", reason="validation")
    target = target.strip()
    if not target:
        raise ValidationError("target must not be empty", reason="validation")
    if target.startswith("unix:"):
        if len(target) == len("unix:"):
            raise ValidationError("unix target has no socket path", reason="validation")
        return Target(target, target)
    if target.startswith(_SCHEME):
        hostport = target[len(_SCHEME):].rstrip("/")
        if not hostport:
            raise ValidationError(f"target {target!r} has no host", reason="validation")
        hostport = _with_port(hostport)
        return Target(hostport, hostport)
    if target.startswith(("/", ".", "~")) or os.path.isdir(target):
        raise NotSupportedError(
            f"opening a data directory ({target!r}) is not supported yet: start "
            f"'stratad --data-dir {target}' and open its address instead",
            reason="unimplemented",
        )
    if "://" in target:
        raise ValidationError(
            f"unsupported target scheme in {target!r}; use host:port, strata://host:port or unix:/path",
            reason="validation",
        )
    hostport = _with_port(target)
    return Target(hostport, hostport)


def make_channel(target: Target, tls) -> grpc.Channel:
    """Open a (lazy) channel to `target`; nothing is dialled yet. `tls` as
    tls.tls_settings takes it."""
    creds, tls_options = tls_settings(tls)
    if creds is None:
        return grpc.insecure_channel(target.grpc_target, options=_CHANNEL_OPTIONS)
    return grpc.secure_channel(target.grpc_target, creds, options=_CHANNEL_OPTIONS + tls_options)


def call_metadata(token) -> Tuple[Tuple[str, str], ...]:
    """The metadata sent with every call: the bearer token, if any.

    Sent as plain metadata rather than call credentials because grpc only
    attaches call credentials to TLS channels, and a token on a loopback or
    Unix-socket plaintext connection is legitimate.
    """
    if token is None:
        return ()
    if not isinstance(token, str) or not token or any(c in token for c in "\r\n\x00"):
        raise ValidationError("token must be a non-empty single-line str", reason="validation")
    return (("authorization", f"Bearer {token}"),)
