"""Concurrent clients for the vector benchmark.

stratad's clients are separate processes (spawned, each with its own
`Strata` handle): Python threads would share one GIL and measure the
client's interpreter more than the server. The in-process libraries release
the GIL inside their searches, so their clients are threads. Either way
every client starts at the same wall-clock instant and throughput is all
queries over the span from the first start to the last finish.
"""

import concurrent.futures
import multiprocessing
import threading
import time

START_DELAY = 4.0  # seconds for spawned clients to import, connect and warm up


def _stratad_client(address, collection, queries, k, start_at):
    """One spawned client: warm up, wait for `start_at`, search every query."""
    from stratadb import Strata

    # Ids only, like the peers' clients (systems.NOTE).
    with Strata.open(address, timeout=120) as db:
        for q in queries[:3]:
            db.vector_search(collection, q, k, include_metadata=False)
        while time.time() < start_at:
            time.sleep(0.001)
        begin = time.time()
        latencies = []
        for q in queries:
            t0 = time.perf_counter()
            db.vector_search(collection, q, k, include_metadata=False)
            latencies.append(time.perf_counter() - t0)
        return begin, time.time(), latencies


def stratad_clients(address, collection, query_sets, k):
    """Run one spawned client per query set; return (throughput q/s, latencies)."""
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + START_DELAY
    with concurrent.futures.ProcessPoolExecutor(len(query_sets), mp_context=ctx) as pool:
        futures = [pool.submit(_stratad_client, address, collection, qs, k, start_at) for qs in query_sets]
        results = [f.result(timeout=600) for f in futures]
    return _combine(results)


def thread_clients(search, query_sets):
    """Run one thread per query set calling `search(q)`; same figures."""
    results = [None] * len(query_sets)
    gate = threading.Barrier(len(query_sets))

    def run(i):
        gate.wait(60)
        begin = time.time()
        latencies = []
        for q in query_sets[i]:
            t0 = time.perf_counter()
            search(q)
            latencies.append(time.perf_counter() - t0)
        results[i] = (begin, time.time(), latencies)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(query_sets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    if any(r is None for r in results):
        raise RuntimeError("a client thread did not finish")
    return _combine(results)


def _combine(results):
    begin = min(r[0] for r in results)
    end = max(r[1] for r in results)
    latencies = [x for r in results for x in r[2]]
    return len(latencies) / (end - begin), latencies
