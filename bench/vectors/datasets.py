"""The vector benchmark's data: seeded clustered float32 vectors, or the
real debian-desc-128 set (/work/shared/data), with exact cosine ground truth.

A data set is base vectors, queries, the true top-100 per query, and a
`bucket` per base row (row % 100) that the 1%-selective filtered search uses.
"""

import os
from dataclasses import dataclass

import numpy as np

GT_K = 100  # true neighbours kept per query
BUCKETS = 100  # filter buckets: one bucket is 1% of the rows
DEBIAN_DIR = "/work/shared/data"
DEBIAN_PREFIX = "debian-desc-128"


@dataclass
class Dataset:
    name: str
    base: np.ndarray  # (n, dim) float32
    queries: np.ndarray  # (q, dim) float32
    truth: np.ndarray  # (q, >=10) int: base rows, nearest first (cosine)

    @property
    def buckets(self) -> np.ndarray:
        return np.arange(len(self.base)) % BUCKETS


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def cosine_top_k(base: np.ndarray, queries: np.ndarray, k: int, chunk: int = 256) -> np.ndarray:
    """Exact top-k base rows per query by cosine similarity, best first;
    queries in chunks so the score matrix stays small."""
    base_unit = _unit(base.astype(np.float32))
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), chunk):
        q = _unit(queries[start : start + chunk].astype(np.float32))
        scores = q @ base_unit.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        out[start : start + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def clustered(n: int, dim: int, n_queries: int, seed: int = 42) -> Dataset:
    """Gaussian clusters around random centres (about sqrt(n) of them), the
    queries drawn from the same mixture: closer to real embeddings than
    uniform noise, on which every ANN index does badly."""
    rng = np.random.default_rng(seed)
    n_centres = max(8, int(np.sqrt(n)))
    centres = rng.standard_normal((n_centres, dim)).astype(np.float32)

    def draw(count):
        which = rng.integers(0, n_centres, count)
        return (centres[which] + 0.35 * rng.standard_normal((count, dim))).astype(np.float32)

    base, queries = draw(n), draw(n_queries)
    return Dataset(f"clustered-{n}x{dim}", base, queries, cosine_top_k(base, queries, GT_K))


def read_vecs(path: str, dtype) -> np.ndarray:
    """An .fvecs/.ivecs file: rows of int32 dimension then the values."""
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)


def debian_available() -> bool:
    return all(os.path.exists(_debian_path(part)) for part in ("base.fvecs", "query.fvecs", "groundtruth_cosine.ivecs"))


def _debian_path(part: str) -> str:
    return os.path.join(DEBIAN_DIR, f"{DEBIAN_PREFIX}_{part}")


def debian(n_queries: int) -> Dataset:
    base = read_vecs(_debian_path("base.fvecs"), np.float32)
    queries = read_vecs(_debian_path("query.fvecs"), np.float32)[:n_queries]
    truth = read_vecs(_debian_path("groundtruth_cosine.ivecs"), np.int32)[:n_queries]
    return Dataset(f"{DEBIAN_PREFIX} ({len(base)}x{base.shape[1]})", base, queries, truth)


def filtered_truth(data: Dataset, bucket: int, k: int) -> np.ndarray:
    """Exact top-k per query among the rows of one bucket (base row ids)."""
    rows = np.flatnonzero(data.buckets == bucket)
    local = cosine_top_k(data.base[rows], data.queries, k)
    return rows[local]


def recall_at(found, truth: np.ndarray, k: int) -> float:
    """Mean over queries of |found[:k] ∩ truth[:k]| / k."""
    hits = sum(len(set(f[:k]) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / (k * len(truth))
