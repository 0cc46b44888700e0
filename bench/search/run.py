"""Keyword search benchmark: stratad's BM25 search (through the Python
client) beside SQLite FTS5 (Python's sqlite3, in process, bm25(), porter
unicode61 tokenizer) on the same corpus, same queries, one run.

Corpora: a seeded synthetic one (--docs, 100k by default: Zipf-distributed
pseudo-words, 20-80 words a document) and, when /work/shared/data has it,
the real Debian package descriptions (debian-desc-128 corpus, its held-out
query texts as queries).

Per corpus and system: indexing time (stratad: every document written with
kv_put from --threads client threads into a fresh server, in relaxed
durability, the index kept in the same commits; FTS5: every row inserted in
one transaction), then for each query type the latency p50/p99 of k=10
searches, one client, one query at a time. For stratad also the Admin Ping
round trip (the transport floor: FTS5 runs in this process and pays none).
Query terms are ORed in both systems (FTS5 MATCH "a" OR "b"), as BM25 ranks.
Prints a table; writes bench/results/search-<timestamp>.json.

    .venv/bin/python bench/search/run.py [--quick] [--stratad build/stratad]
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "bench", "common"))
sys.path.insert(0, os.path.join(REPO, "client-py", "src"))

from stratad import Stratad  # noqa: E402  (bench/common)
from stratadb import Strata  # noqa: E402

DATA = "/work/shared/data/debian-desc-128_corpus.jsonl"
QUERIES = "/work/shared/data/debian-desc-128_queries.jsonl"
WORD = re.compile(r"\w+", re.UNICODE)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- corpora -------------------------------------------------------------------


def synthetic(n_docs, n_queries, seed=42, vocabulary=20000):
    """Documents and query sets over a Zipf vocabulary of pronounceable words."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "gu", "fi", "be", "xo", "ha"]
    words, seen = [], set()
    while len(words) < vocabulary:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    weights = [1 / (r + 1) for r in range(vocabulary)]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    def pick(k):
        return rng.choices(words, cum_weights=cumulative, k=k)

    lengths = [rng.randint(20, 80) for _ in range(n_docs)]
    flat = pick(sum(lengths))  # one draw: much faster than one per document
    docs, at = [], 0
    for i, n in enumerate(lengths):
        docs.append((f"doc{i:06d}", " ".join(flat[at : at + n])))
        at += n
    queries = {
        "1 common word": [words[rng.randint(0, 20)] for _ in range(n_queries)],
        "1 rare word": [words[rng.randint(5000, vocabulary - 1)] for _ in range(n_queries)],
        "2 words": [" ".join(words[rng.randint(50, 2000)] for _ in range(2)) for _ in range(n_queries)],
        "5 words": [" ".join(pick(5)) for _ in range(n_queries)],
    }
    return docs, queries


def debian(limit_queries):
    docs = []
    with open(DATA) as f:
        for line in f:
            d = json.loads(line)
            docs.append((d["package"], d["text"]))
    texts = []
    with open(QUERIES) as f:
        for line in f:
            texts.append(json.loads(line)["text"])
    texts = texts[:limit_queries]
    first_words = []
    for t in texts:
        ws = [w for w in WORD.findall(t) if len(w) > 3]
        first_words.append(ws[0] if ws else WORD.findall(t)[0])
    return docs, {"1 word of a description": first_words, "whole description": texts}


# -- systems -------------------------------------------------------------------


def fts_query(text):
    """The query's words ORed, each quoted (FTS5 syntax would read some as operators)."""
    terms = [w for w in WORD.findall(text)]
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def run_sqlite(docs, queries, k):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, body, tokenize='porter unicode61')")
    t0 = time.perf_counter()
    with con:
        con.executemany("INSERT INTO docs(key, body) VALUES (?, ?)", docs)
    index_s = time.perf_counter() - t0
    result = {"index_seconds": index_s, "queries": {}}
    for kind, qs in queries.items():
        lat, hits = [], 0
        for q in qs:
            t = time.perf_counter()
            rows = con.execute(
                "SELECT key, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (fts_query(q), k)
            ).fetchall()
            lat.append(time.perf_counter() - t)
            hits += len(rows)
        result["queries"][kind] = summary(lat, hits, len(qs))
    con.close()
    return result


def run_stratad(binary, docs, queries, k, threads):
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        server = Stratad(binary, os.path.join(tmp, "data"), tmp, ["--durability", "relaxed"])
        server.start()
        try:
            handles = [Strata.open(server.address, timeout=120) for _ in range(threads)]
            chunks = [docs[i::threads] for i in range(threads)]

            def load(i):
                db = handles[i]
                for key, text in chunks[i]:
                    db.kv_put(key, text)

            t0 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(threads) as pool:
                list(pool.map(load, range(threads)))
            index_s = time.perf_counter() - t0
            db = handles[0]
            ping = []
            for _ in range(200):
                t = time.perf_counter()
                db.ping()
                ping.append(time.perf_counter() - t)
            result = {"index_seconds": index_s, "ping_p50_ms": percentile(ping, 50) * 1e3, "queries": {}}
            for kind, qs in queries.items():
                lat, hits = [], 0
                for q in qs:
                    t = time.perf_counter()
                    found = db.search(q, k=k, primitives=["kv"])
                    lat.append(time.perf_counter() - t)
                    hits += len(found)
                result["queries"][kind] = summary(lat, hits, len(qs))
            result["disk_bytes"] = db.info()["disk_bytes"]
            for h in handles:
                h.close()
        finally:
            server.stop()
    return result


def summary(latencies, hits, n):
    return {
        "n": n,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "mean_hits": hits / n,
    }


def machine():
    info = {"nproc": os.cpu_count(), "loadavg_start": os.getloadavg(), "kernel": platform.release(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stratad", default=os.path.join(REPO, "build", "stratad"))
    parser.add_argument("--docs", type=int, default=100000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--queries", type=int, default=100, help="queries per query type")
    parser.add_argument("--quick", action="store_true", help="10k synthetic documents")
    parser.add_argument("--out-dir", default=os.path.join(REPO, "bench", "results"))
    args = parser.parse_args()
    n_docs = 10000 if args.quick else args.docs

    corpora = {f"synthetic-{n_docs}": synthetic(n_docs, args.queries)}
    if os.path.exists(DATA) and os.path.exists(QUERIES):
        corpora["debian-descriptions"] = debian(args.queries)
    report = {"benchmark": "search", "started": datetime.datetime.utcnow().isoformat() + "Z", "machine": machine(),
              "params": {"k": args.k, "threads": args.threads, "queries_per_type": args.queries}, "corpora": {}}
    for name, (docs, queries) in corpora.items():
        print(f"== {name}: {len(docs)} documents", flush=True)
        entry = {"documents": len(docs), "systems": {}}
        entry["systems"]["sqlite_fts5"] = run_sqlite(docs, queries, args.k)
        entry["systems"]["stratad"] = run_stratad(args.stratad, docs, queries, args.k, args.threads)
        report["corpora"][name] = entry
        for system, r in entry["systems"].items():
            extra = f", ping p50 {r['ping_p50_ms']:.3f} ms" if "ping_p50_ms" in r else ""
            print(f"  {system:12s} indexing {r['index_seconds']:8.2f} s{extra}")
            for kind, q in r["queries"].items():
                print(f"    {kind:26s} p50 {q['p50_ms']:8.3f} ms  p99 {q['p99_ms']:8.3f} ms  hits/query {q['mean_hits']:.1f}")
    report["machine"]["loadavg_end"] = os.getloadavg()
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "search-" + datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ") + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
