"""One handle shared by threads (spec/api.md §1: handles are thread-safe)."""

import threading

THREADS = 8
PUTS = 50


def test_concurrent_puts_from_one_handle(db, ns):
    results = {}
    errors = []
    barrier = threading.Barrier(THREADS)

    def worker(t):
        try:
            barrier.wait(10)
            for i in range(PUTS):
                key = f"{ns}{t}/{i:02d}"
                results[key] = db.kv_put(key, {"thread": t, "i": i})
        except BaseException as e:  # reported below, not swallowed
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not any(th.is_alive() for th in threads), "a worker hung"
    assert not errors, errors
    assert len(results) == THREADS * PUTS
    assert len(set(results.values())) == THREADS * PUTS, "versions must be distinct"
    assert sorted(db.kv_list(ns)) == sorted(results)
    for key in (f"{ns}0/00", f"{ns}{THREADS - 1}/{PUTS - 1:02d}", f"{ns}3/17"):
        t, i = key[len(ns):].split("/")
        assert db.kv_get_versioned(key) == {
            "value": {"thread": int(t), "i": int(i)},
            "version": results[key],
            "timestamp": db.kv_get_versioned(key)["timestamp"],
        }
    # Per thread, its own writes were acknowledged in increasing versions.
    for t in range(THREADS):
        mine = [results[f"{ns}{t}/{i:02d}"] for i in range(PUTS)]
        assert mine == sorted(mine)
