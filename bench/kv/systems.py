"""The systems a KV worker drives, one adapter each, with the same methods:
open() -> handle; put(h, key, value); get(h, key) -> value; ping(h, key) or
None; close(h); encode(bytes) -> the value as the system stores it.

Imports of client libraries happen inside the adapters, so a worker process
loads only its own system's library (see worker.py).
"""

import os


def _host_port(address):
    host, _, port = address.rpartition(":")
    return host, int(port)


class StratadSystem:
    name = "stratad"

    def __init__(self, args):
        from stratadb import Strata

        self.Strata = Strata
        self.address = args.address

    def open(self):
        return self.Strata.open(self.address, timeout=30)

    def put(self, h, key, value):
        h.kv_put(key, value)

    def get(self, h, key):
        return h.kv_get(key)

    def ping(self, h, key):
        h.ping()

    def close(self, h):
        h.close()

    def encode(self, value: bytes):
        return value.decode("ascii")  # a string value, as ghz sends

    def commit_stamps(self, h, keys):
        """The distinct commit timestamps of `keys` (untimed read-back). The
        writer stamps every request of one group commit with the batch's
        timestamp, so their number is the number of commits (fsyncs) the
        keys took."""
        stamps = set()
        for key in keys:
            entry = h.kv_get_versioned(key)
            if entry is not None:
                stamps.add(entry["timestamp"])
        return stamps

    def info(self, h):
        return h.info()


class EtcdSystem:
    name = "etcd"

    def __init__(self, args):
        import etcd3

        self.etcd3 = etcd3
        self.host, self.port = _host_port(args.address)

    def open(self):
        return self.etcd3.client(host=self.host, port=self.port, timeout=30)

    def put(self, h, key, value):
        h.put(key, value)

    def get(self, h, key):
        return h.get(key)[0]

    ping = None  # etcd has no no-op call

    def close(self, h):
        h.close()

    def encode(self, value: bytes):
        return value


class RedisSystem:
    name = "redis"

    def __init__(self, args):
        import redis

        self.redis = redis
        self.host, self.port = _host_port(args.address)

    def open(self):
        # One client per thread, each with its own single connection.
        return self.redis.Redis(
            host=self.host, port=self.port, socket_timeout=30, socket_connect_timeout=10
        )

    def put(self, h, key, value):
        h.set(key, value)

    def get(self, h, key):
        return h.get(key)

    def ping(self, h, key):
        h.ping()

    def close(self, h):
        h.close()

    def encode(self, value: bytes):
        return value


class LmdbSystem:
    """Raw LMDB in this process: the default (fully synced) environment flags,
    one write transaction per put, one read transaction per get."""

    name = "lmdb"

    def __init__(self, args):
        import lmdb

        self.lmdb = lmdb
        os.makedirs(args.path, exist_ok=True)
        # Default flags: sync=True, metasync=True; every commit is durable.
        self.env = lmdb.open(args.path, map_size=1 << 32, max_readers=256)

    def open(self):
        return self.env  # one environment per process; threads share it

    def put(self, env, key, value):
        with env.begin(write=True) as txn:
            txn.put(key.encode(), value)

    def get(self, env, key):
        with env.begin() as txn:
            return txn.get(key.encode())

    ping = None

    def close(self, env):
        pass

    def encode(self, value: bytes):
        return value


SYSTEMS = {s.name: s for s in (StratadSystem, EtcdSystem, RedisSystem, LmdbSystem)}
