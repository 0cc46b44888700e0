"""Turning `Strata.open`'s target, tls and token arguments into a gRPC
channel and per-call metadata (spec/api.md §1)."""

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import grpc

from ._version import __version__
from .errors import ValidationError
from .tls import tls_settings

ENV_ADDRESS = "STRATA_ADDRESS"
DEFAULT_PORT = 50051
DEFAULT_ADDRESS = f"127.0.0.1:{DEFAULT_PORT}"
_SCHEME = "strata://"

# The server decides how large a message may be (--max-message-size, 64 MiB
# by default); grpc's client default of 4 MiB would refuse a legal 16 MiB
# value on the way back, so the client imposes no limit of its own.
#
# Keepalive: while a call is in progress the client pings the server every
# KEEPALIVE_MS and gives up on the connection when a ping goes unanswered for
# KEEPALIVE_TIMEOUT_MS, so a call to a server that stopped answering (a
# stopped process, a host gone from the network without a reset) fails with
# UnavailableError instead of waiting forever. A busy server still answers
# pings (gRPC does, apart from the handlers); stratad accepts a ping every
# 5 s (server/strata_server.cc). No pings between calls.
KEEPALIVE_MS = 10_000
KEEPALIVE_TIMEOUT_MS = 10_000
_CHANNEL_OPTIONS = (
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.primary_user_agent", f"stratadb-python/{__version__}"),
    ("grpc.keepalive_time_ms", KEEPALIVE_MS),
    ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    # What gRPC 1.68 times every ping by, bandwidth probes too: a probe left
    # unanswered by a stopped server otherwise held back the keepalive pings.
    ("grpc.http2.ping_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ("grpc.keepalive_permit_without_calls", 0),
    # Keep pinging through a long call that sends no data (gRPC stops after 2
    # by default, and spaces such pings 5 minutes apart).
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.http2.min_time_between_pings_ms", KEEPALIVE_MS),
)

# Channel option: connections of the channel's own, shared with no other.
LOCAL_SUBCHANNELS = (("grpc.use_local_subchannel_pool", 1),)
# A Unix socket's server that went away may be back within milliseconds (a
# directory handle starts a new one): try it again after 50 ms, not grpc's
# 1 s, and never wait more than 1 s. A refused local connect costs nothing.
LOCAL_RECONNECT = (
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


@dataclass(frozen=True)
class Target:
    """Where to connect: the string grpc dials and the one shown to users."""

    grpc_target: str
    address: str
    # A data directory to be served by a local stratad (_directory_server.py):
    # then grpc_target is empty until that server's address replaces it.
    directory: Optional[str] = None


def _with_port(hostport: str) -> str:
    if hostport.startswith("["):  # [v6addr] or [v6addr]:port
        if "]:" not in hostport:
            return f"{hostport}:{DEFAULT_PORT}"
        _check_port(hostport, hostport.rsplit("]:", 1)[1])
        return hostport
    if hostport.count(":") > 1:  # a bare IPv6 address cannot carry a port
        return f"[{hostport}]:{DEFAULT_PORT}"
    if ":" not in hostport:
        return f"{hostport}:{DEFAULT_PORT}"
    _check_port(hostport, hostport.rsplit(":", 1)[1])
    return hostport


def _check_port(hostport: str, port: str) -> None:
    # gRPC takes "1234abc" as 1234 and 50051+65536 as 50051: a typo would
    # reach whatever listens there, so anything but 1..65535 in digits is refused.
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise ValidationError(
            f"target {hostport!r} has port {port!r}; a port is a number from 1 to 65535", reason="validation"
        )


def _directory_target(path: str) -> Target:
    directory = os.path.abspath(os.path.expanduser(path))
    return Target("", directory, directory=directory)


def parse_target(target) -> Target:
    """Resolve `target` (None, "host:port", "strata://host:port", "unix:/path").

    None reads $STRATA_ADDRESS, else 127.0.0.1:50051. A directory path (one
    starting with "/", "." or "~", or naming an existing directory) means a
    local server for that directory: the Target's `directory`, made absolute.
    """
    if target is None:
        target = os.environ.get(ENV_ADDRESS) or DEFAULT_ADDRESS
    if isinstance(target, os.PathLike):
        # A path object is always a directory, even a relative one that does
        # not exist yet and so could pass for a host name.
        return _directory_target(os.fsdecode(os.fspath(target)))
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
        return _directory_target(target)
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
    options = _CHANNEL_OPTIONS
    if target.grpc_target.startswith("unix:"):
        # A local server comes and goes (Strata.cache(), directory targets):
        # a channel with connections of its own does not inherit the
        # reconnect backoff another channel has with a server now replaced.
        options += LOCAL_SUBCHANNELS + LOCAL_RECONNECT
    if creds is None:
        return grpc.insecure_channel(target.grpc_target, options=options)
    return grpc.secure_channel(target.grpc_target, creds, options=options + tls_options)


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
