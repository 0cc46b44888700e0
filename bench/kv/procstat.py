"""Where the time of a phase goes: CPU time of processes, and the disk's fsync latency."""

import os

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid) -> float:
    """User + system CPU seconds `pid` has used so far (all its threads);
    0.0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def self_cpu_seconds() -> float:
    """CPU seconds of this process so far (every thread)."""
    t = os.times()
    return t.user + t.system


def children_cpu_seconds() -> float:
    """CPU seconds of this process's waited-for children so far."""
    t = os.times()
    return t.children_user + t.children_system


def fsync_probe(directory, count=50) -> dict:
    """The disk's state right now: `count` 4 KiB writes + fdatasync in
    `directory`, as their median µs and the share slower than 1 ms. Shared
    virtual disks have slow spells (other work's I/O drains a rate limit: a
    sync then waits ~4 ms), and every durable figure moves with them."""
    import time

    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        buf = b"\0" * 4096
        lat = []
        for i in range(count):
            t0 = time.perf_counter_ns()
            os.pwrite(fd, buf, (i % 16) * 4096)
            os.fdatasync(fd)
            lat.append(time.perf_counter_ns() - t0)
        lat.sort()
        return {"p50_us": round(lat[len(lat) // 2] / 1000.0, 1),
                "slow_share": round(sum(1 for x in lat if x > 1_000_000) / len(lat), 3)}
    finally:
        os.close(fd)
        os.unlink(path)
