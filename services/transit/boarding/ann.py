"""The HNSW graph (faiss) that proposes candidates for a whole-gallery search past `ann_min_rows` templates.

faiss numbers a graph's vectors in the order they are added; the graph keeps the gallery's stable key of each.
faiss's HNSW cannot delete a vector, so removing one overwrites it in the graph's own storage with a point far
from every face (an erased face leaves no copy behind) and forgets its key, so it is never proposed. Such a hole
costs a little recall (on isotropic random faces, with 6 % removed, 8 of 9,000 probes missed their own face at
depth 128, against 1 of 9,600 with none removed), so the gallery builds a new graph once `stale_share` of this
one is removed. Stand-ins tried and dropped: a zero vector drew searches to itself (nearer to most faces than
they are to each other), and so did the mean of the removed vector's neighbours (289 of 7,600 missed with 20 %
removed, even with stand-ins kept out of the results). Not thread-safe: the gallery calls it under its lock."""

import numpy as np

FAR = 1e4  # every coordinate of a removed vector's stand-in: faces lie within a few units of the origin


class HnswGraph:
    def __init__(self, dim: int, *, connectivity: int, expansion_add: int, expansion_search: int):
        import faiss

        self._faiss = faiss
        self.dim = dim
        self.index = faiss.IndexHNSWFlat(dim, connectivity)
        self.index.hnsw.efConstruction = expansion_add
        self._params = faiss.SearchParametersHNSW()
        self.expansion_search = expansion_search
        self._keys = np.zeros(0, dtype=np.int64)  # the gallery's key of each graph label (-1: removed)
        self._label = np.zeros(0, dtype=np.int64)  # the graph label of each key (-1: not in the graph)
        self.removed = 0

    @property
    def expansion_search(self) -> int:
        return self._params.efSearch

    @expansion_search.setter
    def expansion_search(self, value: int) -> None:
        self._params.efSearch = int(value)

    def __len__(self) -> int:
        return self.index.ntotal - self.removed

    @property
    def stale_share(self) -> float:
        return self.removed / self.index.ntotal if self.index.ntotal else 0.0

    def add(self, keys: np.ndarray, vectors: np.ndarray, *, threads: int = 1) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        if len(keys) == 0:
            return
        start = self.index.ntotal
        if keys.max() >= len(self._label):
            grown = np.full(max(int(keys.max()) + 1, 2 * len(self._label)), -1, dtype=np.int64)
            grown[: len(self._label)] = self._label
            self._label = grown
        self._keys = np.concatenate([self._keys, keys])
        self._label[keys] = np.arange(start, start + len(keys))
        before = self._faiss.omp_get_max_threads()
        self._faiss.omp_set_num_threads(threads or before)
        try:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        finally:
            self._faiss.omp_set_num_threads(before)

    def remove(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        keys = keys[keys < len(self._label)]
        labels = self._label[keys]
        labels = labels[labels >= 0]
        if len(labels) == 0:
            return
        self._keys[labels] = -1
        self._label[keys] = -1
        self.removed += len(labels)
        self._stored()[labels] = FAR

    def _stored(self) -> np.ndarray:
        """The graph's own copy of the vectors, as a view."""
        storage = self._faiss.downcast_index(self.index.storage)
        return self._faiss.rev_swig_ptr(storage.get_xb(), self.index.ntotal * self.dim).reshape(-1, self.dim)

    def stored_rows(self) -> np.ndarray:
        """Every vector the graph holds, removed ones (their stand-ins) included: a copy, for tests."""
        return self._stored().copy()

    def search(self, probes: np.ndarray, count: int) -> list[np.ndarray]:
        """Per probe, the keys of up to `count` proposed vectors (removed ones left out)."""
        count = min(count, self.index.ntotal)
        if count == 0:
            return [np.zeros(0, dtype=np.int64) for _ in probes]
        _, labels = self.index.search(np.ascontiguousarray(probes, dtype=np.float32), count, params=self._params)
        out = []
        for row in labels:
            keys = self._keys[row[row >= 0]]
            out.append(keys[keys >= 0])
        return out

    def memory_bytes(self) -> int:
        """The graph's links and its float32 copy of the vectors."""
        hnsw = self.index.hnsw
        links = hnsw.neighbors.size() * 4 + hnsw.offsets.size() * 8 + hnsw.levels.size() * 4
        return int(links + self.index.ntotal * self.dim * 4 + self._keys.nbytes + self._label.nbytes)
