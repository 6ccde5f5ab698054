"""A persistent index of documents already published, so new ones can be checked against it.

Why an index: ``dupfind check`` must compare a handful of new articles with everything a feed
has published, on every pull request, without reading the published texts again. So for each
document the index keeps exactly what verification needs (:class:`dupfind.features.Features`,
no text) and what finding candidates needs (LSH band keys and verbatim-sentence hashes in
indexed tables, so a query reads only the rows that match, never the whole index).

Storage sits behind one interface, :class:`IndexStore` (as datasketch keeps its dict and Redis
storage behind one), so a shared server backend can come later; :class:`SQLiteIndex` is the
embedded one, in a single file (default ``.dupfind/index.db``), with the standard library.

**Schema** (``PRAGMA application_id`` = ``0x64757066``, "dupf"; ``PRAGMA user_version`` =
:data:`SCHEMA_VERSION`)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- parameters, see IndexParams
    documents(doc INTEGER PRIMARY KEY, id TEXT UNIQUE, path, title, content_hash, words,
              signature BLOB, features BLOB)
    bands(band, key, doc, PRIMARY KEY (band, key, doc)) WITHOUT ROWID
    sentences(hash, doc, PRIMARY KEY (hash, doc)) WITHOUT ROWID
    boilerplate(hash INTEGER PRIMARY KEY)

SQLite integers are signed 64-bit: uint64 band keys and hashes are stored as their int64
views (same bits). ``bands`` and ``sentences`` have no index on ``doc``: a document's rows are
deleted by recomputing its keys from its stored signature and features, which saves a second
B-tree per table.

**Per document**: the id, source path and title; ``content_hash``, the xxh3-128 of the text
*as read* (decoded, extracted from HTML or a record, not normalized) so that an unchanged
document is recognised before any normalization or shingling, and any edit, even cosmetic,
re-featurizes it (harmless); the word count; the 128 x uint32 MinHash signature
(datasketch-compatible, see :mod:`dupfind.minhash`); and the features in one blob
(:func:`encode_features`: a 32-byte header, then the arrays, sorted ones as deltas, with
their bytes grouped by significance so zlib packs the zero high bytes; about 5.3 KB for a
750-word article). Stored features are *narrowed*: shingle, vocabulary and head
hashes keep their low 32 bits (the bits MinHash already uses), first-occurrence positions are
uint16 when a document has fewer than 65,536 windows, and the ``units`` used only to learn
boilerplate are not kept. That halves the index; new documents are narrowed the same way
before they are compared with stored ones (:func:`narrow_features`), and the benchmark checks
that decisions equal those made on 64-bit features (``benchmarks/bench_index.py``).

**Parameters** (shingle size, permutations, seed, LSH threshold, bands and rows,
normalization version, schema version, and a fingerprint of the features and band keys of a
fixed text) are recorded at creation; opening an index with other ones, or with a dupfind
whose features differ, raises :class:`IncompatibleIndexError`. Decision-rule options are per
run and not stored.

**Safety.** Each write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) in WAL mode
(https://www.sqlite.org/wal.html): a process killed mid-write leaves frames without a commit
record in the write-ahead log, which the next connection ignores, so the index is as it was
before the write or with the write complete. Readers never block the writer and vice versa;
writers queue on the write lock for up to :data:`BUSY_TIMEOUT_SECONDS`
(https://www.sqlite.org/pragma.html#pragma_busy_timeout), so concurrent ``index add`` and
``check --update`` processes all succeed. A new index is built in a temporary file and linked
into place only when complete, so a concurrent opener sees no index or a whole one. A file
that is not a dupfind index (not SQLite, another application's database, empty) is refused
with :class:`NotAnIndexError` from its 100-byte header, read in Python (the SQLite magic
string, then ``application_id`` and ``user_version``, https://www.sqlite.org/fileformat.html):
SQLite never opens it, so it is never written to, and no ``-wal``/``-shm`` files appear beside
it (a ``mode=ro`` connection would leave those). A dupfind index with corrupt pages fails
with a one-line :class:`IndexStoreError` at the first read (nothing is written before a write
transaction, and a failed one is rolled back).

**Candidates.** A band key or sentence shared by more than :data:`FANOUT_LIMIT` indexed
documents proposes only the first that many: such keys are furniture, and a copy of a story
indexed that many times still finds copies among them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import zlib
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import xxhash

from dupfind.arrays import unique
from dupfind.features import Features, extract
from dupfind.lsh import band_keys, optimal_bands
from dupfind.minhash import Signer
from dupfind.normalize import NORMALIZATION_VERSION

SCHEMA_VERSION = 1
APPLICATION_ID = 0x64757066  # "dupf"
DEFAULT_INDEX = ".dupfind/index.db"
BUSY_TIMEOUT_SECONDS = 30.0
#: Rows per ``IN (...)`` batch, under SQLite's default limit of host parameters.
_IN_BATCH = 500
#: A band key or sentence shared by more indexed documents than this proposes only the first
#: this many (by insertion order) as candidates: such keys are furniture, and a copy of a story
#: with that many indexed copies still matches the ones proposed.
FANOUT_LIMIT = 500

_SQLITE_MAGIC = b"SQLite format 3\x00"
_U64 = np.dtype("<u8")
_MASK32 = np.uint64(0xFFFFFFFF)


class IndexStoreError(Exception):
    """An index cannot be used: ``str(error)`` is one line naming the file and the reason."""


class NotAnIndexError(IndexStoreError):
    """The file exists but is not a dupfind index (or is corrupt); it is left untouched."""


class IncompatibleIndexError(IndexStoreError):
    """The index was built with other parameters or by an incompatible dupfind."""


class MissingIndexError(IndexStoreError):
    """No index exists at the path and none was to be created."""


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class IndexParams:
    """What an index's signatures, band keys and features depend on: fixed at creation."""

    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    lsh_threshold: float = 0.2
    bands: int = 28
    rows: int = 2
    normalization_version: int = NORMALIZATION_VERSION
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def create(
        cls, shingle_size: int = 5, num_perm: int = 128, seed: int = 1, lsh_threshold: float = 0.2
    ) -> IndexParams:
        bands, rows = optimal_bands(lsh_threshold, num_perm)
        return cls(shingle_size, num_perm, seed, lsh_threshold, bands, rows)

    def as_dict(self) -> dict[str, int | float]:
        return asdict(self)

    def fingerprint(self) -> str:
        """A hash of the narrowed features, signature and band keys of a fixed text: differs
        when this dupfind would featurize or band documents differently from the index's."""
        features = narrow_features(extract(_FINGERPRINT_TEXT, self.shingle_size))
        signature = Signer(self.num_perm, self.seed).sign([features.shingles])
        keys = band_keys(signature, self.bands, self.rows)
        digest = xxhash.xxh3_64()
        digest.update(encode_features(features, compress=False))
        digest.update(signature.astype("<u4").tobytes())
        digest.update(keys.astype(_U64).tobytes())
        return digest.hexdigest()


_FINGERPRINT_TEXT = (
    "Harbour pilots at Velmont Quay voted on Tuesday to suspend night crossings.\n\n"
    "\u201cWe will not run the \u00abnorthern\u00bb channel blind,\u201d said Ona Treska, "
    "who chairs the pilots\u2019 guild \u2014 citing 3.5 percent more fog days. "
    "The port authority said talks would resume next week. Story continues below.\n"
    "Ferries to the islands will sail at dawn instead; freight is unaffected.\n"
)


@dataclass(frozen=True)
class IndexEntry:
    """An indexed document's description (no features): what reports show of a match."""

    id: str
    path: str
    title: str
    content_hash: str
    words: int


@dataclass(frozen=True)
class NewEntry:
    """A document to store: its description, features (full or narrowed) and signature."""

    id: str
    path: str
    title: str
    content_hash: str
    features: Features
    signature: np.ndarray


@dataclass
class UpsertResult:
    """Ids added, replaced (content changed) and left as they were (unchanged) by a write."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    boilerplate_added: int = 0


@dataclass(frozen=True)
class IndexStats:
    path: str
    documents: int
    size_bytes: int
    boilerplate_units: int
    band_rows: int
    sentence_rows: int
    params: IndexParams


def content_hash(text: str) -> str:
    """xxh3-128 hex of a document's text as read (see the module docstring for why raw)."""
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8", "surrogatepass"))


# ------------------------------------------------------------------------------ features codec


def narrow_features(features: Features) -> Features:
    """The features as an index stores them: 32-bit shingle, vocabulary and head hashes.

    MinHash already uses only the low 32 bits of shingle hashes (``element_hashes32``), so a
    narrowed document has the same signature. Two shingles of one document whose low halves
    collide (about 1 in 10^4 documents) become one, keeping the earlier position. Idempotent.
    """
    low = features.shingles & _MASK32
    first = features.first_window
    if low.size > 1 and not (low[1:] > low[:-1]).all():  # not yet narrowed: sort again
        order = np.lexsort((first, low))
        low, first = low[order], first[order]
        keep = np.ones(low.size, dtype=bool)
        keep[1:] = low[1:] != low[:-1]
        low, first = low[keep], first[keep]
    return Features(
        shingles=low,
        first_window=first,
        windows=features.windows,
        sentences=features.sentences,
        units=np.empty(0, dtype=np.uint64),
        unit_words=np.empty(0, dtype=np.uint32),
        vocabulary=unique(features.vocabulary & _MASK32),
        head=features.head & _MASK32,
        words=features.words,
    )


# magic, version, flags, windows, words, then the array lengths
_HEADER = struct.Struct("<3sBBxxxIIIIII")
_BLOB_MAGIC = b"dff"
_BLOB_VERSION = 1
_FLAG_SHORT_POSITIONS = 1  # first-occurrence positions are uint16
_FLAG_COMPRESSED = 2


def _planes(values: np.ndarray, dtype: str) -> bytes:
    """Little-endian values with their bytes grouped by significance (all lowest bytes, then
    the next...): the high bytes of deltas and positions are mostly zero, which zlib packs."""
    width = np.dtype(dtype).itemsize
    return np.ascontiguousarray(values, dtype=dtype).view(np.uint8).reshape(-1, width).T.tobytes()


def _unplanes(data: bytes, offset: int, dtype: str, count: int) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    planes = np.frombuffer(data, dtype=np.uint8, count=count * width, offset=offset)
    return np.ascontiguousarray(planes.reshape(width, count).T).view(dtype).reshape(count)


def _deltas(sorted_values: np.ndarray, dtype: type) -> np.ndarray:
    values = sorted_values.astype(dtype)
    return np.diff(values, prepend=dtype(0)) if values.size else values


def encode_features(features: Features, compress: bool = True) -> bytes:
    """One blob: a 32-byte header, then the narrowed arrays (sorted ones as deltas) with
    their bytes grouped by significance, zlib-compressed (about 5.3 KB for 750 words)."""
    f = narrow_features(features)
    short = f.windows < (1 << 16)
    flags = (_FLAG_SHORT_POSITIONS if short else 0) | (_FLAG_COMPRESSED if compress else 0)
    header = _HEADER.pack(
        _BLOB_MAGIC,
        _BLOB_VERSION,
        flags,
        f.windows,
        f.words,
        f.shingles.size,
        f.sentences.size,
        f.vocabulary.size,
        f.head.size,
    )
    payload = b"".join(
        (
            _planes(_deltas(f.shingles, np.uint32), "<u4"),
            _planes(f.first_window, "<u2" if short else "<u4"),
            _planes(_deltas(f.sentences, np.uint64), "<u8"),
            _planes(_deltas(f.vocabulary, np.uint32), "<u4"),
            _planes(f.head, "<u4"),
        )
    )
    return header + (zlib.compress(payload, 6) if compress else payload)


def decode_features(blob: bytes) -> Features:
    """The narrowed :class:`Features` of :func:`encode_features` (uint64 arrays in memory)."""
    magic, version, flags, windows, words, n_shingles, n_sentences, n_vocab, n_head = (
        _HEADER.unpack_from(blob)
    )
    if magic != _BLOB_MAGIC or version != _BLOB_VERSION:
        raise ValueError("unknown features blob")
    payload = memoryview(blob)[_HEADER.size :]
    data = zlib.decompress(payload) if flags & _FLAG_COMPRESSED else bytes(payload)
    position = 0

    def take(dtype: str, count: int) -> np.ndarray:
        nonlocal position
        array = _unplanes(data, position, dtype, count)
        position += array.nbytes
        return array

    shingles = np.cumsum(take("<u4", n_shingles), dtype=np.uint32).astype(np.uint64)
    first = take("<u2" if flags & _FLAG_SHORT_POSITIONS else "<u4", n_shingles).astype(np.uint32)
    sentences = np.cumsum(take("<u8", n_sentences), dtype=np.uint64)
    vocabulary = np.cumsum(take("<u4", n_vocab), dtype=np.uint32).astype(np.uint64)
    head = take("<u4", n_head).astype(np.uint64)
    return Features(
        shingles=shingles,
        first_window=first,
        windows=windows,
        sentences=sentences,
        units=np.empty(0, dtype=np.uint64),
        unit_words=np.empty(0, dtype=np.uint32),
        vocabulary=vocabulary,
        head=head,
        words=words,
    )


def _signed(values: np.ndarray) -> list[int]:
    """uint64 values as the int64 SQLite stores (same bits)."""
    return np.ascontiguousarray(values, dtype=np.uint64).view(np.int64).tolist()


def _unsigned(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64).view(np.uint64)


# ------------------------------------------------------------------------------ interface


class IndexStore(ABC):
    """What ``check`` and ``index add`` need from an index, whatever holds it.

    Documents are named by their ``id``; lookups return opaque integer *keys* (a backend's
    row ids) that :meth:`load` turns into entries and features.
    """

    params: IndexParams

    @abstractmethod
    def count(self) -> int:
        """Documents in the index."""

    @abstractmethod
    def boilerplate(self) -> np.ndarray:
        """The learned boilerplate unit hashes, sorted uint64."""

    @abstractmethod
    def entries(self, ids: Iterable[str]) -> dict[str, IndexEntry]:
        """The indexed entries among ``ids``, by id."""

    @abstractmethod
    def upsert(self, documents: Sequence[NewEntry], boilerplate: np.ndarray) -> UpsertResult:
        """Add or replace ``documents`` and add ``boilerplate`` units, in one transaction.

        A document whose id is indexed with the same content hash is left as it is (its path
        and title are refreshed if they changed); one with another hash replaces the entry.
        """

    @abstractmethod
    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove documents by id in one transaction; returns the ids that were indexed."""

    @abstractmethod
    def candidates_by_bands(self, keys: np.ndarray) -> np.ndarray:
        """Sorted unique ``(query row, key)`` pairs: indexed documents sharing a band key with
        row ``i`` of ``keys`` (a ``(queries, bands)`` array from :func:`dupfind.lsh.band_keys`).
        """

    @abstractmethod
    def candidates_by_sentences(self, hashes: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Sorted unique ``(owner, key)`` pairs: indexed documents holding the verbatim
        sentence ``hashes[i]`` of query document ``owners[i]``."""

    @abstractmethod
    def load(self, keys: Iterable[int]) -> dict[int, tuple[IndexEntry, Features]]:
        """Entries and (narrowed) features of the documents with these keys."""

    @abstractmethod
    def stats(self) -> IndexStats: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# ------------------------------------------------------------------------------ SQLite

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE documents(
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    words INTEGER NOT NULL,
    signature BLOB NOT NULL,
    features BLOB NOT NULL
);
CREATE TABLE bands(
    band INTEGER NOT NULL, key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (band, key, doc)
) WITHOUT ROWID;
CREATE TABLE sentences(
    hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc)
) WITHOUT ROWID;
CREATE TABLE boilerplate(hash INTEGER PRIMARY KEY);
"""

_INT_PARAMS = ("shingle_size", "num_perm", "seed", "bands", "rows", "normalization_version")


def _read_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(100)
    except OSError as error:
        raise IndexStoreError(f"{path}: cannot read index: {error.strerror or error}") from error


def _check_header(path: Path) -> None:
    """Refuse, from its header alone, a file that is not a dupfind index (nothing written)."""
    header = _read_header(path)
    if not header:
        raise NotAnIndexError(f"{path}: empty file, not a dupfind index (remove it to start one)")
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise NotAnIndexError(f"{path}: not a dupfind index (not an SQLite database)")
    (application_id,) = struct.unpack_from(">I", header, 68)
    if application_id != APPLICATION_ID:
        raise NotAnIndexError(
            f"{path}: not a dupfind index (an SQLite database of another application)"
        )
    (user_version,) = struct.unpack_from(">I", header, 60)
    if user_version != SCHEMA_VERSION:
        raise IncompatibleIndexError(
            f"{path}: index schema version {user_version}, this dupfind reads version "
            f"{SCHEMA_VERSION}: rebuild it with 'dupfind index add'"
        )


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA cache_size = -65536")  # 64 MB
    connection.execute("PRAGMA journal_size_limit = 67108864")  # truncate the WAL to 64 MB
    return connection


def _create(path: Path, params: IndexParams) -> None:
    """Build an empty index in a temporary file, then link it into place unless one appeared
    meanwhile (another process won the race: its index is then used)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in _with_sidecars(temporary):
        leftover.unlink(missing_ok=True)
    try:
        connection = sqlite3.connect(str(temporary), isolation_level=None)
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.executescript(_SCHEMA)  # a private file: no transaction needed
            meta = {**params.as_dict(), "fingerprint": params.fingerprint()}
            connection.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [(key, str(value)) for key, value in meta.items()],
            )
            connection.execute("PRAGMA journal_mode = WAL")
        finally:
            connection.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # created concurrently: open that one
        except OSError:  # no hard links here: a rename, which could replace a racing index
            if not path.exists():
                os.replace(temporary, path)
    finally:
        for leftover in _with_sidecars(temporary):
            leftover.unlink(missing_ok=True)


def _with_sidecars(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@dataclass(frozen=True)
class _Row:
    """A document ready to write: its column values, band keys and sentence hashes."""

    values: tuple
    bands: list[tuple[int, int]]
    sentences: list[int]


class SQLiteIndex(IndexStore):
    """An index in one SQLite file (see the module docstring). Open with :meth:`open`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, params: IndexParams) -> None:
        self._connection = connection
        self.path = path
        self.params = params

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] = DEFAULT_INDEX,
        *,
        create: IndexParams | None = None,
        expect: Mapping[str, int | float] | None = None,
    ) -> SQLiteIndex:
        """Open the index at ``path``; create it with ``create`` parameters if it does not
        exist (else raise :class:`MissingIndexError`). ``expect``: parameters the caller asked
        for explicitly; any that differ from the index's raise :class:`IncompatibleIndexError`.
        """
        path = Path(path)
        if not path.exists():
            if create is None:
                raise MissingIndexError(f"{path}: no such index")
            try:
                _create(path, create)
            except (OSError, sqlite3.Error) as error:
                raise IndexStoreError(f"{path}: cannot create index: {error}") from error
        elif path.is_dir():
            raise NotAnIndexError(f"{path}: is a directory, not a dupfind index")
        _check_header(path)
        try:
            connection = _connect(path)
        except sqlite3.Error as error:
            raise IndexStoreError(f"{path}: cannot open index: {error}") from error
        try:
            params = cls._read_params(connection, path)
            if expect:
                cls._compare(path, params, expect)
            connection.execute("PRAGMA journal_mode = WAL")  # no-op unless it was changed
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, params)

    @staticmethod
    def _read_params(connection: sqlite3.Connection, path: Path) -> IndexParams:
        try:
            rows = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as error:
            raise NotAnIndexError(f"{path}: not a usable dupfind index ({error})") from error
        try:
            values: dict[str, int | float] = {k: int(rows[k]) for k in _INT_PARAMS}
            values["lsh_threshold"] = float(rows["lsh_threshold"])
            values["schema_version"] = int(rows["schema_version"])
            fingerprint = rows["fingerprint"]
        except (KeyError, ValueError) as error:
            raise NotAnIndexError(f"{path}: not a usable dupfind index (bad meta table)") from error
        params = IndexParams(**values)  # type: ignore[arg-type]
        if params.normalization_version != NORMALIZATION_VERSION:
            raise IncompatibleIndexError(
                f"{path}: index built with normalization version "
                f"{params.normalization_version}, this dupfind uses {NORMALIZATION_VERSION}: "
                "rebuild it with 'dupfind index add'"
            )
        if fingerprint != params.fingerprint():
            raise IncompatibleIndexError(
                f"{path}: index built by a dupfind that featurizes or bands documents "
                "differently from this one: rebuild it with 'dupfind index add'"
            )
        return params

    @staticmethod
    def _compare(path: Path, params: IndexParams, expect: Mapping[str, int | float]) -> None:
        ours = params.as_dict()
        differing = [
            f"{name.replace('_', '-')} {value} (index has {ours[name]})"
            for name, value in expect.items()
            if name in ours and ours[name] != value
        ]
        if differing:
            raise IncompatibleIndexError(
                f"{path}: index parameters differ: {', '.join(differing)}; omit them to use "
                "the index's, or use another --index"
            )

    # -------------------------------------------------------------------------- helpers

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite failures (corruption, disk full, a lock held too long) as one-line errors."""
        try:
            yield
        except sqlite3.DatabaseError as error:
            raise IndexStoreError(f"{self.path}: {error}") from error

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock first (waits up to the busy timeout)."""
        with self._errors():
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _doc_rows(self, ids: Sequence[str]) -> Iterator[tuple]:
        for start in range(0, len(ids), _IN_BATCH):
            chunk = ids[start : start + _IN_BATCH]
            marks = ",".join("?" * len(chunk))
            yield from self._connection.execute(
                "SELECT id, doc, path, title, content_hash, words, signature, features "
                f"FROM documents WHERE id IN ({marks})",
                chunk,
            )

    def _keys(self, features: Features, signature: np.ndarray) -> tuple[list, list[int]]:
        """A document's ``(band, key)`` pairs and sentence hashes, as SQLite integers."""
        if features.shingles.size == 0:  # empty documents would all collide in every band
            bands: list[tuple[int, int]] = []
        else:
            keys = band_keys(signature.reshape(1, -1), self.params.bands, self.params.rows)[0]
            bands = list(enumerate(_signed(keys)))
        return bands, _signed(features.sentences)

    def _delete_rows(
        self, connection: sqlite3.Connection, doc: int, signature: bytes, blob: bytes
    ) -> None:
        """Delete a stored document's band and sentence rows (keys recomputed from it)."""
        old_signature = np.frombuffer(signature, dtype="<u4").astype(np.uint32)
        bands, sentences = self._keys(decode_features(blob), old_signature)
        connection.executemany(
            "DELETE FROM bands WHERE band = ? AND key = ? AND doc = ?",
            [(band, key, doc) for band, key in bands],
        )
        connection.executemany(
            "DELETE FROM sentences WHERE hash = ? AND doc = ?", [(h, doc) for h in sentences]
        )

    # -------------------------------------------------------------------------- reads

    def count(self) -> int:
        with self._errors():
            return int(self._connection.execute("SELECT count(*) FROM documents").fetchone()[0])

    def boilerplate(self) -> np.ndarray:
        with self._errors():
            rows = self._connection.execute("SELECT hash FROM boilerplate").fetchall()
        return np.sort(_unsigned([r[0] for r in rows]))

    def entries(self, ids: Iterable[str]) -> dict[str, IndexEntry]:
        with self._errors():
            return {
                row[0]: IndexEntry(row[0], row[2], row[3], row[4], row[5])
                for row in self._doc_rows(sorted(set(ids)))
            }

    @staticmethod
    def lookup_sql(table: str, columns: tuple[str, ...]) -> str:
        """The candidate query: the query table ``temp.q_<table>`` of distinct keys, outside
        (``CROSS JOIN`` fixes the loop order), joined on ``table``'s primary key, so each
        key is one B-tree search and no table is scanned."""
        on = " AND ".join(f"t.{c} = q.{c}" for c in columns)
        selected = ", ".join(f"q.{c}" for c in columns)
        return f"SELECT {selected}, t.doc FROM temp.q_{table} AS q CROSS JOIN {table} AS t ON {on}"

    def _lookup(self, table: str, columns: tuple[str, ...], rows: list[tuple[int, ...]]) -> list:
        """Indexed documents holding each distinct key tuple of ``rows`` (see lookup_sql)."""
        temp = f"temp.q_{table}"
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        with self._errors():
            self._connection.execute(f"DROP TABLE IF EXISTS {temp}")
            self._connection.execute(
                f"CREATE TABLE {temp}({names}, PRIMARY KEY ({names})) WITHOUT ROWID"
            )
            self._connection.executemany(
                f"INSERT OR IGNORE INTO {temp}({names}) VALUES ({marks})", rows
            )
            found = self._connection.execute(self.lookup_sql(table, columns)).fetchall()
            self._connection.execute(f"DROP TABLE {temp}")
        return found

    def candidates_by_bands(self, keys: np.ndarray) -> np.ndarray:
        if keys.size == 0:
            return np.empty((0, 2), dtype=np.int64)
        queries, bands = keys.shape
        band_index = np.tile(np.arange(bands), queries).tolist()
        query_keys = list(zip(band_index, _signed(keys.ravel()), strict=True))
        found = self._lookup("bands", ("band", "key"), query_keys)
        owners = np.repeat(np.arange(queries), bands).tolist()
        return _expand(found, query_keys, owners)

    def candidates_by_sentences(self, hashes: np.ndarray, owners: np.ndarray) -> np.ndarray:
        if hashes.size == 0:
            return np.empty((0, 2), dtype=np.int64)
        signed = _signed(hashes)
        found = self._lookup("sentences", ("hash",), [(value,) for value in signed])
        return _expand(
            ((0, value, doc) for value, doc in found),
            [(0, value) for value in signed],
            np.asarray(owners, dtype=np.int64).tolist(),
        )

    def load(self, keys: Iterable[int]) -> dict[int, tuple[IndexEntry, Features]]:
        wanted = sorted(set(int(k) for k in keys))
        loaded: dict[int, tuple[IndexEntry, Features]] = {}
        with self._errors():
            for start in range(0, len(wanted), _IN_BATCH):
                chunk = wanted[start : start + _IN_BATCH]
                marks = ",".join("?" * len(chunk))
                for doc, doc_id, path, title, digest, words, blob in self._connection.execute(
                    "SELECT doc, id, path, title, content_hash, words, features "
                    f"FROM documents WHERE doc IN ({marks})",
                    chunk,
                ):
                    entry = IndexEntry(doc_id, path, title, digest, words)
                    loaded[doc] = (entry, decode_features(blob))
        return loaded

    def stats(self) -> IndexStats:
        with self._errors():
            one = self._connection.execute

            def scalar(sql: str) -> int:
                return int(one(sql).fetchone()[0])

            documents = scalar("SELECT count(*) FROM documents")
            boilerplate = scalar("SELECT count(*) FROM boilerplate")
            band_rows = scalar("SELECT count(*) FROM bands")
            sentence_rows = scalar("SELECT count(*) FROM sentences")
        size = sum(p.stat().st_size for p in _with_sidecars(self.path) if p.exists())
        return IndexStats(
            str(self.path), documents, size, boilerplate, band_rows, sentence_rows, self.params
        )

    # -------------------------------------------------------------------------- writes

    def upsert(self, documents: Sequence[NewEntry], boilerplate: np.ndarray) -> UpsertResult:
        by_id: dict[str, NewEntry] = {}
        for document in documents:  # the last one given wins, as in a dict
            by_id[document.id] = document
        # Encoded before the write lock is taken, so concurrent writers wait less.
        prepared = {doc_id: self._prepare(by_id[doc_id]) for doc_id in sorted(by_id)}
        units = [(value,) for value in _signed(np.asarray(boilerplate, dtype=np.uint64))]
        result = UpsertResult()
        with self._write() as connection:
            existing = {row[0]: row[1:] for row in self._doc_rows(list(prepared))}
            band_rows: list[tuple[int, int, int]] = []
            sentence_rows: list[tuple[int, int]] = []
            for doc_id, row in prepared.items():
                outcome, doc = self._write_document(connection, doc_id, row, existing.get(doc_id))
                getattr(result, outcome).append(doc_id)
                if outcome != "unchanged":
                    band_rows.extend((band, key, doc) for band, key in row.bands)
                    sentence_rows.extend((value, doc) for value in row.sentences)
            # In key order, so the B-trees are appended to page by page, not at random.
            band_rows.sort()
            sentence_rows.sort()
            connection.executemany(
                "INSERT OR IGNORE INTO bands(band, key, doc) VALUES (?, ?, ?)", band_rows
            )
            connection.executemany(
                "INSERT OR IGNORE INTO sentences(hash, doc) VALUES (?, ?)", sentence_rows
            )
            before = connection.total_changes
            connection.executemany("INSERT OR IGNORE INTO boilerplate(hash) VALUES (?)", units)
            result.boilerplate_added = connection.total_changes - before
        return result

    def _prepare(self, new: NewEntry) -> _Row:
        bands, sentences = self._keys(new.features, new.signature)
        values = (
            new.path,
            new.title,
            new.content_hash,
            new.features.words,
            np.ascontiguousarray(new.signature, dtype="<u4").tobytes(),
            encode_features(new.features),
        )
        return _Row(values, bands, sentences)

    def _write_document(
        self, connection: sqlite3.Connection, doc_id: str, row: _Row, old: tuple | None
    ) -> tuple[str, int]:
        """Insert, replace or leave one document (inside the write transaction): returns
        ``("added" | "replaced" | "unchanged", doc)``."""
        path, title, digest = row.values[:3]
        if old is not None and old[3] == digest:
            if (old[1], old[2]) != (path, title):
                connection.execute(
                    "UPDATE documents SET path = ?, title = ? WHERE doc = ?", (path, title, old[0])
                )
            return "unchanged", old[0]
        if old is not None:
            self._delete_rows(connection, old[0], old[5], old[6])
            connection.execute(
                "UPDATE documents SET path = ?, title = ?, content_hash = ?, words = ?, "
                "signature = ?, features = ? WHERE doc = ?",
                (*row.values, old[0]),
            )
            return "replaced", old[0]
        cursor = connection.execute(
            "INSERT INTO documents(id, path, title, content_hash, words, signature, features) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc_id, *row.values),
        )
        return "added", int(cursor.lastrowid or 0)

    def remove(self, ids: Iterable[str]) -> list[str]:
        removed: list[str] = []
        with self._write() as connection:
            for row in list(self._doc_rows(sorted(set(ids)))):
                doc_id, doc, *_, signature, blob = row
                self._delete_rows(connection, doc, signature, blob)
                connection.execute("DELETE FROM documents WHERE doc = ?", (doc,))
                removed.append(doc_id)
        return sorted(removed)

    def close(self) -> None:
        self._connection.close()


def _expand(
    found: Iterable[tuple[int, int, int]], queries: Sequence[tuple[int, int]], owners: Sequence[int]
) -> np.ndarray:
    """Turn ``(band, key, doc)`` rows found for distinct keys into sorted unique
    ``(owner, doc)`` pairs for each query key ``queries[i]`` (owned by ``owners[i]``),
    keeping at most :data:`FANOUT_LIMIT` documents per key (the lowest keys: oldest rows)."""
    runs: dict[tuple[int, int], list[int]] = defaultdict(list)
    for band, key, doc in sorted(found):
        run = runs[(band, key)]
        if len(run) < FANOUT_LIMIT:
            run.append(doc)
    pairs = {
        (owner, doc)
        for query, owner in zip(queries, owners, strict=True)
        for doc in runs.get(query, ())
    }
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)
