"""The in-memory gallery of face templates of the configured face model: 1:N search in one float32 matrix (exact
for small galleries; past `ann_min_rows`, an HNSW graph from faiss proposes candidates and their exact distances
decide), kept in step with the database after each commit (enrol, erase, purge, consent), and across workers
through PostgreSQL LISTEN/NOTIFY. Only riders with a standing `identification` consent are ever searched without a
card."""

import json
import logging
import threading
import time
import uuid
from collections import defaultdict

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from services.transit.boarding.ann import HnswGraph
from services.transit.boarding.domain import FrameCandidates
from services.transit.boarding.models import FaceChange, FaceConsent, FaceTemplate, Rider
from services.transit.boarding.templates import open_sealed, template_cipher
from services.transit.settings import TransitSettings

log = logging.getLogger("aicity.transit.gallery")

NOTIFY_CHANNEL = "transit_gallery"
DIM = 128


class GalleryIndex:
    """Rows of a float32 matrix; removing swaps the last row in. Search returns, per probe, the nearest
    rider and the nearest distance of any other rider (for the top-1/top-2 margin). Thread-safe."""

    def __init__(self, capacity: int = 1024, *, dim: int = DIM, model_id: str = "", ann_rebuild_share: float = 0.05,
                 **ann: int):
        """`ann`: any of `ann_settings`' keywords; the rest take TransitSettings' defaults (their only copy)."""
        if unknown := ann.keys() - ANN_DEFAULTS.keys():
            raise TypeError(f"unknown gallery settings: {sorted(unknown)}")
        tuning = {**ANN_DEFAULTS, **ann}
        self._lock = threading.RLock()  # made once: a second lock would let two writers in at the same time
        self.model_id = model_id
        self.ann_min_rows, self.ann_candidates = tuning["ann_min_rows"], tuning["ann_candidates"]
        self.ann_expansion, self.ann_connectivity = tuning["ann_expansion"], tuning["ann_connectivity"]
        self.ann_expansion_add = tuning["ann_expansion_add"]
        self.ann_rebuild_share = ann_rebuild_share
        self._clear(capacity, dim)

    def _clear(self, capacity: int, dim: int) -> None:
        self.dim = dim
        self._matrix = np.zeros((capacity, dim), dtype=np.float32)
        self._sq = np.zeros(capacity, dtype=np.float32)  # squared norms, for |x-q|^2 = |x|^2 - 2xq + |q|^2
        self._owner = np.zeros(capacity, dtype=np.int64)  # rider code per row
        self._row_template: list[uuid.UUID] = []
        self._n = 0
        self._code: dict[uuid.UUID, int] = {}
        self._rider: list[uuid.UUID] = []
        self._rows_of: dict[int, set[int]] = defaultdict(set)
        self._routes: dict[str, set[int]] = defaultdict(set)
        self._routes_of: dict[int, list[str]] = {}
        self._identifiable: set[int] = set()  # riders who consented to identification without a card
        # Past `exact_rows`, a whole-gallery search first bounds every distance from below in a PCA subspace
        # (an orthonormal projection never lengthens a vector) and computes exact distances only for rows
        # whose bound is within the search radius: the same answer within the radius, a fraction of the work.
        self.exact_rows = 200_000
        self.projected_dims = 24
        self._basis: np.ndarray | None = None
        self._mean = np.zeros(dim, dtype=np.float32)
        self._proj = np.zeros((capacity, self.projected_dims), dtype=np.float32)
        self._psq = np.zeros(capacity, dtype=np.float32)
        # Past `ann_min_rows` templates, a whole-gallery search asks an HNSW graph (faiss, `ann.py`) over the
        # identifiable rows for `ann_candidates` rows and ranks those by their exact distance from the matrix:
        # the distances reported are exact, and the graph only proposes (its recall is measured by the
        # benchmark). Every row has a stable key, which survives the row moving when another is removed; the
        # graph maps its own labels to keys. A graph with `ann_rebuild_share` of its vectors removed is rebuilt.
        self._key = np.zeros(capacity, dtype=np.int64)  # the stable key of each row
        self._key_row = np.zeros(capacity, dtype=np.int64)  # the row of each key ever given (-1: removed)
        self._next_key = 0
        self._ann: HnswGraph | None = None  # once built
        self._ann_pending: list | None = None  # changes made while a build runs, applied when it ends

    def __len__(self) -> int:
        return self._n

    def riders(self) -> int:
        with self._lock:
            return sum(1 for rows in self._rows_of.values() if rows)

    def has_rider(self, rider_id: uuid.UUID) -> bool:
        with self._lock:
            code = self._code.get(rider_id)
            return code is not None and bool(self._rows_of.get(code))

    def _grow(self, need: int) -> None:
        capacity = len(self._matrix)
        if need <= capacity:
            return
        new = max(need, capacity * 2)
        for name in ("_matrix", "_sq", "_owner", "_proj", "_psq", "_key"):
            old = getattr(self, name)
            grown = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            grown[: self._n] = old[: self._n]
            setattr(self, name, grown)

    def _ensure_dim(self, dim: int) -> None:
        """An empty index takes the dimension of the first templates (ONNX models differ from dlib's 128)."""
        if dim == self.dim:
            return
        if self._n:
            raise ValueError(f"templates of dimension {dim} in an index of dimension {self.dim}")
        with self._lock:
            self._clear(len(self._matrix), dim)

    def _code_for(self, rider_id: uuid.UUID) -> int:
        code = self._code.get(rider_id)
        if code is None:
            code = self._code[rider_id] = len(self._rider)
            self._rider.append(rider_id)
        return code

    def replace_rider(self, rider_id: uuid.UUID, encodings: list[np.ndarray], template_ids: list[uuid.UUID],
                      routes: list[str] = (), *, identifiable: bool = True) -> None:
        """The rider's rows become exactly `encodings` (none: the rider is gone from the index). A rider who did
        not consent to identification is kept for card checks only: in no route's candidate set, never searched."""
        with self._lock:
            self.remove_rider(rider_id)
            if not encodings:
                return
            self._ensure_dim(len(encodings[0]))
            code = self._code_for(rider_id)
            if not identifiable:
                routes = ()
            else:
                self._identifiable.add(code)
            self._grow(self._n + len(encodings))
            start = self._n
            for enc, tid in zip(encodings, template_ids, strict=True):
                row = self._n
                self._matrix[row] = enc
                self._sq[row] = float(np.dot(self._matrix[row], self._matrix[row]))
                self._project(row, row + 1)
                self._owner[row] = code
                self._row_template.append(tid)
                self._rows_of[code].add(row)
                self._n += 1
            keys = self._new_keys(start, self._n)
            if identifiable:
                self._ann_change("add", keys, self._matrix[start : self._n])
            self._routes_of[code] = list(routes)
            for route in routes:
                self._routes[route].add(code)

    def remove_rider(self, rider_id: uuid.UUID) -> None:
        with self._lock:
            code = self._code.get(rider_id)
            if code is None:
                return
            rows = sorted(self._rows_of.pop(code, set()), reverse=True)
            if rows:
                gone = self._key[rows].copy()
                self._key_row[gone] = -1
                if code in self._identifiable:
                    self._ann_change("remove", gone)
            for row in rows:
                last = self._n - 1
                if row != last:
                    moved = int(self._owner[last])
                    self._matrix[row] = self._matrix[last]
                    self._sq[row] = self._sq[last]
                    self._proj[row] = self._proj[last]
                    self._psq[row] = self._psq[last]
                    self._owner[row] = moved
                    self._key[row] = self._key[last]
                    self._key_row[self._key[row]] = row
                    self._row_template[row] = self._row_template[last]
                    self._rows_of[moved].discard(last)
                    self._rows_of[moved].add(row)
                self._matrix[last] = 0.0  # no copy of an erased template stays behind
                self._proj[last] = 0.0
                self._row_template.pop()
                self._n -= 1
            for route in self._routes_of.pop(code, []):
                self._routes[route].discard(code)
            self._identifiable.discard(code)

    def bulk_load(self, encodings: np.ndarray, rider_ids: list[uuid.UUID]) -> None:
        """Fast path for start-up and benchmarks: rows appended in order (no routes)."""
        with self._lock:
            encodings = np.asarray(encodings, dtype=np.float32)
            self._ensure_dim(encodings.shape[1])
            self._grow(self._n + len(encodings))
            start = self._n
            self._matrix[start : start + len(encodings)] = encodings
            self._sq[start : start + len(encodings)] = np.einsum("ij,ij->i", encodings, encodings)
            self._project(start, start + len(encodings))
            for i, rider_id in enumerate(rider_ids):
                code = self._code_for(rider_id)
                self._identifiable.add(code)
                self._owner[start + i] = code
                self._rows_of[code].add(start + i)
                self._row_template.append(rider_id)
            self._n += len(encodings)
            self._ann_change("add", self._new_keys(start, self._n), self._matrix[start : self._n])

    def _new_keys(self, start: int, stop: int) -> np.ndarray:
        keys = np.arange(self._next_key, self._next_key + stop - start, dtype=np.int64)
        self._next_key += stop - start
        if self._next_key > len(self._key_row):
            grown = np.full(max(self._next_key, 2 * len(self._key_row)), -1, dtype=np.int64)
            grown[: len(self._key_row)] = self._key_row
            self._key_row = grown
        self._key[start:stop] = keys
        self._key_row[keys] = np.arange(start, stop)
        return keys

    def _ann_change(self, op: str, keys: np.ndarray, vectors: np.ndarray | None = None) -> None:
        """Applies an added or removed set of identifiable rows to the graph, and queues it for a graph being
        built (its snapshot was taken before the change). A graph grown stale by removals is rebuilt."""
        if len(keys) == 0:
            return
        if self._ann_pending is not None:
            self._ann_pending.append((op, keys.copy(), None if vectors is None else vectors.copy()))
        if self._ann is not None:
            self._apply(self._ann, op, keys, vectors)
            if op == "remove" and self._ann.stale_share >= self.ann_rebuild_share:
                self._build_ann_in_background(rebuild=True)

    @staticmethod
    def _apply(ann: HnswGraph, op: str, keys: np.ndarray, vectors: np.ndarray | None) -> None:
        if op == "add":
            ann.add(keys, vectors, threads=1)
        else:
            ann.remove(keys)

    def _identifiable_rows(self) -> np.ndarray:
        owner = self._owner[: self._n]
        if self._all_identifiable():
            return np.arange(self._n)
        return np.flatnonzero(np.isin(owner, np.fromiter(self._identifiable, dtype=np.int64)))

    def build_ann(self, *, threads: int = 0, rebuild: bool = False) -> None:
        """Builds the HNSW graph over the identifiable rows (`rebuild`: a new one beside the one in use). The
        lock is held only to copy the rows and, at the end, to apply the changes made meanwhile, so searches
        (exact, or through the old graph) and changes go on during it."""
        with self._lock:
            if (self._ann is not None and not rebuild) or self._ann_pending is not None:
                return
            rows = self._identifiable_rows()
            keys, vectors = self._key[rows].copy(), self._matrix[rows].copy()
            self._ann_pending = []
        try:
            ann = HnswGraph(self.dim, connectivity=self.ann_connectivity, expansion_add=self.ann_expansion_add,
                            expansion_search=max(self.ann_expansion, self.ann_candidates))
            ann.add(keys, vectors, threads=threads)
            del vectors
        except BaseException:
            with self._lock:
                self._ann_pending = None
            raise
        with self._lock:
            for op, k, v in self._ann_pending:
                self._apply(ann, op, k, v)
            self._ann, self._ann_pending = ann, None

    def _build_ann_in_background(self, *, rebuild: bool = False) -> None:
        if (self._ann is None or rebuild) and self._ann_pending is None:
            def build():
                try:
                    self.build_ann(rebuild=rebuild)
                except Exception:
                    log.exception("building the gallery's ANN graph failed; searches stay as they were")

            threading.Thread(target=build, name="gallery-ann-build", daemon=True).start()

    def ann_bytes(self) -> int:
        """Memory of the HNSW graph and its copy of the vectors (0 when not built)."""
        return self._ann.memory_bytes() if self._ann is not None else 0

    @property
    def uses_ann(self) -> bool:
        return self._ann is not None and self._n >= self.ann_min_rows

    def _project(self, start: int, stop: int) -> None:
        if self._basis is None:
            return
        block = (self._matrix[start:stop] - self._mean) @ self._basis
        self._proj[start:stop] = block
        self._psq[start:stop] = np.einsum("ij,ij->i", block, block)

    def fit_projection(self, sample: int = 50_000, seed: int = 0) -> None:
        """Principal axes of (a sample of) the gallery; any orthonormal basis keeps the bound valid, a good
        one keeps it tight. Called at load when the gallery is large, and again as it grows."""
        with self._lock:
            if self._n < 2:
                return
            rng = np.random.default_rng(seed)
            rows = rng.choice(self._n, size=min(sample, self._n), replace=False)
            data = self._matrix[rows].astype(np.float64)
            self._mean = data.mean(axis=0).astype(np.float32)
            _, _, vt = np.linalg.svd(data - data.mean(axis=0), full_matrices=False)
            self._basis = np.ascontiguousarray(vt[: self.projected_dims].T, dtype=np.float32)
            self._project(0, self._n)

    def templates_of(self, rider_id: uuid.UUID) -> np.ndarray:
        with self._lock:
            code = self._code.get(rider_id)
            rows = sorted(self._rows_of.get(code, ())) if code is not None else []
            return self._matrix[rows].copy()

    def identifiable_riders(self) -> int:
        with self._lock:
            return sum(1 for code in self._identifiable if self._rows_of.get(code))

    def route_riders(self, route_id: str) -> set[uuid.UUID]:
        with self._lock:
            return {self._rider[c] for c in self._routes.get(route_id, ())}

    def search(self, probes: np.ndarray, *, route_id: str | None = None,
               radius: float | None = None) -> list[FrameCandidates | None]:
        """Per probe: top-1 rider/distance and the best distance of another rider. With `route_id`, only that
        route's regular riders are candidates; without, the whole gallery. With `radius`, riders farther
        than it may be left out (None when nobody is within it): decisions never look beyond it."""
        probes = np.atleast_2d(np.asarray(probes, dtype=np.float32))
        with self._lock:
            if route_id is not None:
                codes = self._routes.get(route_id, set())
                rows = np.fromiter((r for c in codes for r in self._rows_of.get(c, ())), dtype=np.int64)
                matrix, sq, owner = self._matrix[rows], self._sq[rows], self._owner[rows]
            else:
                if self._n >= self.ann_min_rows:
                    if self._ann is not None:
                        return self._ann_search(probes, radius)
                    self._build_ann_in_background()  # exact (or bounded) until it is built
                if self._n > self.exact_rows and self._basis is None:
                    self.fit_projection()
                if radius is not None and self._n > self.exact_rows and self._all_identifiable():
                    return [self._bounded(p, radius) for p in probes]
                matrix, sq, owner = self._matrix[: self._n], self._sq[: self._n], self._owner[: self._n]
                if not self._all_identifiable():
                    keep = np.isin(owner, np.fromiter(self._identifiable, dtype=np.int64))
                    matrix, sq, owner = matrix[keep], sq[keep], owner[keep]
            if len(matrix) == 0:
                return [None] * len(probes)
            return [self._nearest(matrix @ p, sq, owner, p) for p in probes]

    def _all_identifiable(self) -> bool:
        return all(code in self._identifiable for code, rows in self._rows_of.items() if rows)

    def _nearest(self, dots, sq, owner, probe, rows=None) -> FrameCandidates | None:
        d2 = sq - 2.0 * dots + float(probe @ probe)
        k = min(8, len(d2))  # a rider has at most 3 templates: 8 rows hold two riders
        near = np.argpartition(d2, k - 1)[:k] if len(d2) > k else np.arange(len(d2))
        near = near[np.argsort(d2[near])]
        first = int(owner[near[0]])
        top1 = float(np.sqrt(max(d2[near[0]], 0.0)))
        top2 = None
        for row in near[1:]:
            if int(owner[row]) != first:
                top2 = float(np.sqrt(max(d2[row], 0.0)))
                break
        return FrameCandidates(self._rider[first], top1, top2)

    def _ann_search(self, probes: np.ndarray, radius: float | None) -> list[FrameCandidates | None]:
        """The graph proposes `ann_candidates` rows per probe; their exact distances decide, as `_bounded` does
        within the radius."""
        out = []
        for probe, keys in zip(probes, self._ann.search(probes, self.ann_candidates), strict=True):
            rows = self._key_row[keys]
            rows = rows[rows >= 0]
            if len(rows) == 0:
                out.append(None)
                continue
            found = self._nearest(self._matrix[rows] @ probe, self._sq[rows], self._owner[rows], probe)
            out.append(found if radius is None else self._within(found, radius))
        return out

    @staticmethod
    def _within(found: FrameCandidates, radius: float) -> FrameCandidates | None:
        if found.top1_distance > radius:
            return None
        if found.top2_distance is not None and found.top2_distance > radius:
            return FrameCandidates(found.top1_rider, found.top1_distance, None)
        return found

    def _bounded(self, probe: np.ndarray, radius: float) -> FrameCandidates | None:
        n = self._n
        pq = (probe - self._mean) @ self._basis
        lower2 = self._psq[:n] - 2.0 * (self._proj[:n] @ pq) + float(pq @ pq)
        rows = np.flatnonzero(lower2 <= radius * radius * 1.0001 + 1e-6)
        if len(rows) == 0:
            return None
        found = self._nearest(self._matrix[rows] @ probe, self._sq[rows], self._owner[rows], probe)
        return self._within(found, radius)


# ---- keeping the index in step with the database --------------------------------------------------------


def _identifiable(conn, rider_ids=None) -> set[uuid.UUID]:
    """Riders with a standing identification consent (of `rider_ids`, or all)."""
    query = select(FaceConsent.rider_id).where(FaceConsent.purpose == "identification",
                                               FaceConsent.withdrawn_at.is_(None))
    if rider_ids is not None:
        query = query.where(FaceConsent.rider_id.in_(list(rider_ids)))
    return {r[0] for r in conn.execute(query)}


def _rider_rows(conn, cipher, rider_id: uuid.UUID, now, model_id: str) -> tuple[list, list, list[str], bool]:
    rows = conn.execute(
        select(FaceTemplate.id, FaceTemplate.template_enc)
        .where(FaceTemplate.rider_id == rider_id, FaceTemplate.expires_at > now, FaceTemplate.model_id == model_id)
    ).all()
    routes = conn.execute(select(Rider.regular_routes).where(Rider.id == rider_id)).scalar() or []
    identifiable = rider_id in _identifiable(conn, [rider_id])
    return ([open_sealed(cipher, r.template_enc, rider_id) for r in rows], [r.id for r in rows], list(routes),
            identifiable)


def resync_rider(index: GalleryIndex, engine: Engine, settings, rider_id: uuid.UUID, *, now) -> None:
    cipher = template_cipher(settings.boarding_template_key)
    with engine.connect() as conn:
        encodings, ids, routes, identifiable = _rider_rows(conn, cipher, rider_id, now, index.model_id)
    index.replace_rider(rider_id, encodings, ids, routes, identifiable=identifiable)


def load_index(engine: Engine, settings, *, now, model_id: str | None = None, dim: int | None = None) -> GalleryIndex:
    """Templates of the configured model only: another model's templates are never compared (their riders
    re-enrol: `needs_reenrolment` on the rider)."""
    from services.transit.boarding.faces import embedder_for

    if model_id is None:
        model_id = embedder_for(settings).model_id
    cipher = template_cipher(settings.boarding_template_key)
    by_rider: dict[uuid.UUID, tuple[list, list]] = defaultdict(lambda: ([], []))
    with engine.connect() as conn:
        for row in conn.execute(select(FaceTemplate.id, FaceTemplate.rider_id, FaceTemplate.template_enc)
                                .where(FaceTemplate.expires_at > now, FaceTemplate.model_id == model_id)):
            encs, ids = by_rider[row.rider_id]
            encs.append(open_sealed(cipher, row.template_enc, row.rider_id))
            ids.append(row.id)
        routes = {r.id: r.regular_routes for r in conn.execute(select(Rider.id, Rider.regular_routes))}
        identifiable = _identifiable(conn) if by_rider else set()
    if dim is None:
        dim = len(next(iter(by_rider.values()))[0][0]) if by_rider else DIM
    index = GalleryIndex(dim=dim, model_id=model_id, **ann_settings(settings))
    for rider_id, (encs, ids) in by_rider.items():
        index.replace_rider(rider_id, encs, ids, routes.get(rider_id) or [], identifiable=rider_id in identifiable)
    if len(index) >= index.ann_min_rows:
        index.build_ann()  # at start-up, before the first search
    return index


def ann_settings(settings) -> dict:
    return {"ann_min_rows": settings.boarding_ann_min_templates, "ann_candidates": settings.boarding_ann_candidates,
            "ann_expansion": settings.boarding_ann_expansion, "ann_connectivity": settings.boarding_ann_connectivity,
            "ann_expansion_add": settings.boarding_ann_expansion_add}


ANN_DEFAULTS = ann_settings(TransitSettings.model_construct())  # the settings' defaults, no environment read


def notify_change(session, rider_id: uuid.UUID, op: str, *, now) -> None:
    """Appends to the change log; on PostgreSQL also NOTIFY, delivered to every listener at commit."""
    session.add(FaceChange(rider_id=rider_id, op=op, changed_at=now))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": NOTIFY_CHANNEL, "payload": json.dumps({"rider_id": str(rider_id), "op": op})})


class GalleryFollower:
    """A thread that applies the change log to this worker's index: woken at once by NOTIFY on PostgreSQL,
    and polling every `poll_s` in any case (SQLite, or a lost LISTEN connection)."""

    def __init__(self, index: GalleryIndex, engine: Engine, settings, *, clock):
        self.index, self.engine, self.settings, self.clock = index, engine, settings, clock
        self.poll_s = settings.boarding_gallery_poll_s
        self._stop = threading.Event()
        self._applied: set[int] = set()
        with engine.connect() as conn:
            self._last = conn.execute(select(FaceChange.id).order_by(FaceChange.id.desc()).limit(1)).scalar() or 0
        self._thread = threading.Thread(target=self._run, name="gallery-follower", daemon=True)

    def start(self) -> "GalleryFollower":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def catch_up(self) -> int:
        # Ids are not committed in order under concurrency: look back a little and skip what was applied.
        with self.engine.connect() as conn:
            rows = conn.execute(select(FaceChange.id, FaceChange.rider_id)
                                .where(FaceChange.id > self._last - 100).order_by(FaceChange.id)).all()
        fresh = [r for r in rows if r.id not in self._applied]
        for rider_id in dict.fromkeys(r.rider_id for r in fresh):
            resync_rider(self.index, self.engine, self.settings, rider_id, now=self.clock())
        for r in fresh:
            self._applied.add(r.id)
            self._last = max(self._last, r.id)
        if len(self._applied) > 10_000:
            self._applied = {i for i in self._applied if i > self._last - 100}
        return len(fresh)

    def _run(self) -> None:
        if self.engine.dialect.name == "postgresql":
            self._listen()
        else:
            self._poll()

    def _poll(self) -> None:
        while not self._stop.wait(min(self.poll_s, 1.0)):
            try:
                self.catch_up()
            except Exception:  # the next round retries; a follower never dies
                log.exception("gallery catch-up failed")

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.catch_up()
                    failures = 0
                    caught_up_at = time.monotonic()
                    while not self._stop.is_set():
                        # Short waits so that stop() is quick; catch up on a NOTIFY or every poll_s.
                        woke = any(True for _ in conn.notifies(timeout=0.25, stop_after=1))
                        if woke or time.monotonic() - caught_up_at >= self.poll_s:
                            self.catch_up()
                            caught_up_at = time.monotonic()
            except Exception as exc:
                failures += 1
                wait_s = retry_wait_s(failures, most_s=max(1.0, self.poll_s))
                if failures == 1:  # the traceback once; a server that stays away is one short line per retry
                    log.exception("gallery listener lost its connection; retrying in %.0f s", wait_s)
                else:
                    log.warning("gallery listener still cannot connect (%d tries): %s; retrying in %.0f s",
                                failures, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, wait_s)
                self._stop.wait(wait_s)


def retry_wait_s(failures: int, *, most_s: float, first_s: float = 1.0) -> float:
    """Seconds before the next try after `failures` failed ones in a row: 1, 2, 4, ... up to `most_s`, the
    follower's poll interval: a change made once the server is back still reaches this worker within it."""
    return min(most_s, first_s * 2 ** max(0, failures - 1))
