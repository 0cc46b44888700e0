"""One adapter per system the vector benchmark compares: stratad (through
the Python client), in-process hnswlib and embedded chromadb.

Each adapter is built from a Dataset with the same HNSW settings (M=16,
ef_construction=200, search ef=100, cosine). `search_call` is the search as
the system's user makes it, answered in the system's own form (what the
latency rows time); `ids` turns that answer into base row numbers, so recall
is computed the same way for all. Row i carries the
metadata {"bucket": i % 100}; `filtered` searches one bucket (1% of rows).

Like for like: the peers answer ids only (hnswlib labels, chromadb with
include=[]), so stratad searches with include_metadata=False too (NOTE
below); `search_with_metadata` measures its default answer beside it.
"""

import os
import re
import time
import urllib.request

import numpy as np

import clients

M, EF_CONSTRUCTION, EF_SEARCH = 16, 200, 100
NOTE = "stratad searches without metadata (include_metadata=False), like the peers; its default with-metadata p50 is its own row"
COLLECTION = "bench"
UPSERT_CHUNK = 2000  # vectors per batch-upsert call (about 1 MB at dim 128)


_RPC_SECONDS = re.compile(r'^strata_rpc_duration_seconds_(count|sum)\{method="([^"]+)"\} (\S+)$')


class StratadSystem:
    name = "stratad"

    def __init__(self, server):
        from stratadb import Strata

        self.server = server
        self._open = lambda: Strata.open(server.address, timeout=300)
        self.db = self._open()

    def build(self, data) -> float:
        """Create, batch-upsert everything, and wait for the first search
        (an index is made on first use): the time until the data is searchable."""
        buckets = data.buckets
        t0 = time.perf_counter()
        self.db.vector_create_collection(COLLECTION, data.base.shape[1], "cosine", m=M, ef_construction=EF_CONSTRUCTION)
        for start in range(0, len(data.base), UPSERT_CHUNK):
            stop = min(len(data.base), start + UPSERT_CHUNK)
            self.db.vector_batch_upsert(
                COLLECTION,
                [(str(i), data.base[i], {"bucket": int(buckets[i])}) for i in range(start, stop)],
            )
        self.db.vector_search(COLLECTION, data.queries[0], 10)
        return time.perf_counter() - t0

    def search_call(self, q, k):
        """The search alone, as a user makes it: what the latency rows time."""
        return self.db.vector_search(COLLECTION, q, k, include_metadata=False)

    def ids(self, answer):
        """search_call's answer as the data set's row numbers (for recall)."""
        return [int(r["key"]) for r in answer]

    def search_with_metadata(self, q, k):
        """The default answer (each match's metadata decoded), for its own row."""
        return self.db.vector_search(COLLECTION, q, k)

    def batch_search(self, queries, k):
        results = self.db.vector_batch_search(COLLECTION, queries, k, include_metadata=False)
        return [[int(r["key"]) for r in res] for res in results]

    def filtered(self, q, k, bucket):
        where = [{"field": "bucket", "op": "eq", "value": bucket}]
        return [int(r["key"]) for r in self.db.vector_search(COLLECTION, q, k, filters=where, include_metadata=False)]

    def clients(self, query_sets, k):
        return clients.stratad_clients(self.server.address, COLLECTION, query_sets, k)

    def ping(self):
        self.db.ping()

    def memory_bytes(self) -> int:
        return self.server.rss_bytes()

    def memory_parts(self) -> dict:
        """What the resident set is made of: the server's own memory (RssAnon:
        heap, indexes, stacks), LMDB's mapped data file (RssFile: page cache,
        which the kernel can drop and read again), and the collection's index
        as stratad accounts it (vector_collection_stats' memory_bytes), the
        figure comparable with hnswlib's index size."""
        status = self.server.resident_bytes("RssAnon", "RssFile")
        return {"memory_anon_bytes": status["RssAnon"], "memory_file_bytes": status["RssFile"],
                "index_memory_bytes": self.db.vector_collection_stats(COLLECTION)["memory_bytes"]}

    def restart_to_first_search(self, query) -> float:
        """SIGTERM, start on the same data, time until a search answers."""
        self.db.close()
        code = self.server.stop()
        if code != 0:
            raise RuntimeError(f"stratad exited with {code} on SIGTERM")
        t0 = time.perf_counter()
        self.server.start()
        self.db = self._open()
        self.db.vector_search(COLLECTION, query, 10)
        return time.perf_counter() - t0

    def rpc_seconds(self):
        """{method: (calls, seconds)} from stratad's Prometheus endpoint: the
        time the server spent on each rpc, from receiving it to sending its
        status (strata_rpc_duration_seconds), summed since start."""
        text = urllib.request.urlopen(f"http://{self.server.metrics_address()}/metrics", timeout=10).read().decode()
        out = {}
        for line in text.splitlines():
            m = _RPC_SECONDS.match(line)
            if m:
                calls, seconds = out.get(m.group(2), (0.0, 0.0))
                value = float(m.group(3))
                out[m.group(2)] = (value, seconds) if m.group(1) == "count" else (calls, value)
        return out

    def index_counters(self):
        info = self.db.info()
        return {name: info.get(name) for name in ("vector_indexes_loaded", "vector_indexes_built")}

    def close(self):
        self.db.close()


class HnswlibSystem:
    """hnswlib in this process: the same graph algorithm without a server."""

    name = "hnswlib"

    def __init__(self, work_dir):
        import hnswlib

        self._hnswlib = hnswlib
        self.work_dir = work_dir
        self.index = None

    def build(self, data) -> float:
        t0 = time.perf_counter()
        index = self._hnswlib.Index(space="cosine", dim=data.base.shape[1])
        index.init_index(max_elements=len(data.base), M=M, ef_construction=EF_CONSTRUCTION, random_seed=100)
        index.add_items(data.base, np.arange(len(data.base)), num_threads=os.cpu_count())
        index.set_ef(EF_SEARCH)
        self.index, self._dim, self._buckets = index, data.base.shape[1], data.buckets
        return time.perf_counter() - t0

    def search_call(self, q, k):
        return self.index.knn_query(q, k, num_threads=1)

    def ids(self, answer):
        return answer[0][0].tolist()

    def batch_search(self, queries, k):
        labels, _ = self.index.knn_query(queries, k, num_threads=1)  # one thread: the per-query cost
        return labels.tolist()

    def filtered(self, q, k, bucket):
        buckets = self._buckets
        labels, _ = self.index.knn_query(q, k, num_threads=1, filter=lambda label: buckets[label] == bucket)
        return labels[0].tolist()

    def clients(self, query_sets, k):
        return clients.thread_clients(lambda q: self.index.knn_query(q, k, num_threads=1), query_sets)

    def memory_bytes(self) -> int:
        """The index's size as saved (its in-memory layout is the same)."""
        path = os.path.join(self.work_dir, "hnswlib.bin")
        self.index.save_index(path)
        return os.path.getsize(path)

    def restart_to_first_search(self, query) -> float:
        """Load the saved index from disk and answer one search."""
        path = os.path.join(self.work_dir, "hnswlib.bin")
        self.index.save_index(path)
        t0 = time.perf_counter()
        index = self._hnswlib.Index(space="cosine", dim=self._dim)
        index.load_index(path)
        index.set_ef(EF_SEARCH)
        index.knn_query(query, 10, num_threads=1)
        self.index = index
        return time.perf_counter() - t0

    def close(self):
        self.index = None


class ChromaSystem:
    """chromadb embedded (PersistentClient in the run's temp dir)."""

    name = "chromadb"

    def __init__(self, work_dir):
        import chromadb

        self._chromadb = chromadb
        self.path = os.path.join(work_dir, "chroma")
        self.client = chromadb.PersistentClient(path=self.path)
        self.collection = None

    def _get_collection(self, create=False):
        metadata = {
            "hnsw:space": "cosine",
            "hnsw:M": M,
            "hnsw:construction_ef": EF_CONSTRUCTION,
            "hnsw:search_ef": EF_SEARCH,
        }
        if create:
            return self.client.create_collection(COLLECTION, metadata=metadata, embedding_function=None)
        return self.client.get_collection(COLLECTION, embedding_function=None)

    def build(self, data) -> float:
        chunk = min(UPSERT_CHUNK, self.client.get_max_batch_size())
        buckets = data.buckets
        t0 = time.perf_counter()
        self.collection = self._get_collection(create=True)
        for start in range(0, len(data.base), chunk):
            stop = min(len(data.base), start + chunk)
            self.collection.add(
                ids=[str(i) for i in range(start, stop)],
                embeddings=data.base[start:stop],
                metadatas=[{"bucket": int(b)} for b in buckets[start:stop]],
            )
        self.collection.query(query_embeddings=data.queries[:1], n_results=10, include=[])
        return time.perf_counter() - t0

    def _ids(self, result):
        return [[int(i) for i in ids] for ids in result["ids"]]

    def search_call(self, q, k):
        return self.collection.query(query_embeddings=q[None, :], n_results=k, include=[])

    def ids(self, answer):
        return self._ids(answer)[0]

    def batch_search(self, queries, k):
        return self._ids(self.collection.query(query_embeddings=queries, n_results=k, include=[]))

    def filtered(self, q, k, bucket):
        result = self.collection.query(query_embeddings=q[None, :], n_results=k, where={"bucket": bucket}, include=[])
        return self._ids(result)[0]

    def clients(self, query_sets, k):
        return clients.thread_clients(
            lambda q: self.collection.query(query_embeddings=q[None, :], n_results=k, include=[]), query_sets
        )

    def memory_bytes(self):
        return None  # shares this process with everything else: not separable

    def restart_to_first_search(self, query) -> float:
        """Drop the client, open the persisted directory again, one search."""
        self.collection = None
        self.client.clear_system_cache()
        t0 = time.perf_counter()
        self.client = self._chromadb.PersistentClient(path=self.path)
        self.collection = self._get_collection()
        self.collection.query(query_embeddings=query[None, :], n_results=10, include=[])
        return time.perf_counter() - t0

    def close(self):
        self.collection = None
