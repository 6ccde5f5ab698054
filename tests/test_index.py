"""The persistent index (dupfind.index): what it stores, idempotence and replacement, refusing
files that are not dupfind indexes, parameter checks, concurrent writers and killed writers."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from articles import article, copy_of, write
from dupfind.check import add_documents, featurize, params_for
from dupfind.documents import Document
from dupfind.features import extract
from dupfind.index import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    IncompatibleIndexError,
    IndexParams,
    MissingIndexError,
    NotAnIndexError,
    SQLiteIndex,
    decode_features,
    encode_features,
    narrow_features,
)
from dupfind.lsh import band_keys
from dupfind.minhash import Signer
from dupfind.normalize import NORMALIZATION_VERSION
from dupfind.pipeline import ScanOptions
from dupfind.sources import iter_documents
from dupfind.verify import DecisionRule, Evidence

OPTIONS = ScanOptions()
SRC = str(Path(__file__).resolve().parent.parent / "src")


def _docs(texts: dict[str, str]) -> list[Document]:
    return [Document(id=k, text=v, title=v.split("\n", 1)[0], path=k) for k, v in texts.items()]


def _corpus(count: int, start: int = 0) -> dict[str, str]:
    return {f"a{n:05d}.txt": article(n) for n in range(start, start + count)}


@contextlib.contextmanager
def _sql(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection, committed and closed on exit (as the last one, it checkpoints)."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of the index's tables, for comparing two states."""
    with _sql(path) as connection:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("meta", "documents", "bands", "sentences", "boilerplate")
        }


def _count(path: Path) -> int:
    with _sql(path) as connection:
        return connection.execute("SELECT count(*) FROM documents").fetchone()[0]


def _open(path: Path) -> SQLiteIndex:
    return SQLiteIndex.open(path, create=params_for(OPTIONS))


# ------------------------------------------------------------------------------ features codec


def test_stored_features_round_trip_and_keep_signatures_and_decisions():
    original, copy, other = article(1), copy_of(article(1), 7), article(2)
    full = [extract(t, 5) for t in (original, copy, other)]
    stored = [decode_features(encode_features(f)) for f in full]
    for f, s in zip(full, stored, strict=True):
        narrowed = narrow_features(f)
        assert np.array_equal(s.shingles, narrowed.shingles)
        assert np.array_equal(s.first_window, narrowed.first_window)
        assert np.array_equal(s.sentences, f.sentences)  # sentences keep 64 bits
        assert (s.windows, s.words) == (f.windows, f.words)
        assert np.array_equal(narrow_features(narrowed).shingles, narrowed.shingles)  # idempotent
    signer = Signer()
    assert np.array_equal(
        signer.sign([f.shingles for f in full]), signer.sign([s.shingles for s in stored])
    )
    rule = DecisionRule()
    for a, b in ((0, 1), (0, 2), (1, 2)):
        wide, narrow = Evidence.of(full[a], full[b]), Evidence.of(stored[a], stored[b])
        assert rule.accepts(wide) == rule.accepts(narrow)
        assert (wide.shared, wide.aligned, wide.spread, wide.coherent) == (
            narrow.shared,
            narrow.aligned,
            narrow.spread,
            narrow.coherent,
        )


# ------------------------------------------------------------------------------ creation


def test_a_new_index_records_its_parameters_and_identifies_itself(tmp_path):
    path = tmp_path / "deep" / "er" / "index.db"  # parent folders are created
    with SQLiteIndex.open(path, create=IndexParams.create(shingle_size=4, seed=3)) as store:
        assert store.params.shingle_size == 4 and store.params.seed == 3
        assert (store.params.bands, store.params.rows) == (28, 2)
        assert store.count() == 0
    with _sql(path) as connection:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        meta = dict(connection.execute("SELECT key, value FROM meta"))
    assert meta["shingle_size"] == "4" and meta["normalization_version"]
    assert {"num_perm", "seed", "bands", "rows", "schema_version", "fingerprint"} <= set(meta)
    assert sorted(os.listdir(path.parent)) == ["index.db"]  # no temporary file left


def test_opening_a_missing_index_without_create_raises(tmp_path):
    with pytest.raises(MissingIndexError):
        SQLiteIndex.open(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


# ------------------------------------------------------------------------------ writes


def test_re_adding_unchanged_documents_is_a_no_op(tmp_path):
    path = tmp_path / "index.db"
    texts = _corpus(12)
    with _open(path) as store:
        first = add_documents(_docs(texts), store, OPTIONS)
    assert len(first.added) == 12
    before = _dump(path)
    with _open(path) as store:
        again = add_documents(_docs(texts), store, OPTIONS)
        assert store.count() == 12
    assert (again.added, again.replaced, again.unchanged) == ([], [], 12)
    assert _dump(path) == before


def test_a_changed_document_replaces_its_entry_and_its_band_rows(tmp_path):
    path = tmp_path / "index.db"
    texts = _corpus(6)
    with _open(path) as store:
        add_documents(_docs(texts), store, OPTIONS)
        doc = store._connection.execute("SELECT doc FROM documents WHERE id = 'a00003.txt'")
        key = doc.fetchone()[0]
        old = store.load([key])[key][1]
        old_keys = band_keys(Signer().sign([old.shingles]), 28, 2)
        assert {int(k) for _, k in store.candidates_by_bands(old_keys)} == {key}
        changed = {"a00003.txt": article(1003)}
        result = add_documents(_docs(changed), store, OPTIONS)
        assert (result.added, result.replaced) == ([], ["a00003.txt"])
        assert store.count() == 6
        # The old keys find nothing any more; the new content is found by its own keys.
        assert store.candidates_by_bands(old_keys).size == 0
        assert store.candidates_by_sentences(old.sentences, np.zeros(old.sentences.size)).size == 0
        new = featurize(_docs(changed), OPTIONS, np.empty(0, np.uint64))
        new_keys = band_keys(new.signatures, 28, 2)
        assert {int(k) for _, k in store.candidates_by_bands(new_keys)} == {key}
        assert store.entries(["a00003.txt"])["a00003.txt"].content_hash != ""
    rows = _dump(path)
    assert len(rows["bands"]) == 6 * 28


def test_remove_deletes_documents_and_their_rows(tmp_path):
    path = tmp_path / "index.db"
    with _open(path) as store:
        add_documents(_docs(_corpus(5)), store, OPTIONS)
        assert store.remove(["a00001.txt", "nope"]) == ["a00001.txt"]
        assert store.count() == 4
        assert store.entries(["a00001.txt"]) == {}
    rows = _dump(path)
    docs = {r[0] for r in rows["documents"]}
    assert {r[2] for r in rows["bands"]} == docs
    assert {r[1] for r in rows["sentences"]} <= docs


def test_candidate_queries_search_primary_keys_and_scan_no_table(tmp_path):
    with _open(tmp_path / "index.db") as store:
        connection = store._connection
        for table, columns in (("bands", ("band", "key")), ("sentences", ("hash",))):
            names = ", ".join(columns)
            connection.execute(f"CREATE TABLE temp.q_{table}({names}, PRIMARY KEY ({names}))")
            plan = connection.execute(
                "EXPLAIN QUERY PLAN " + SQLiteIndex.lookup_sql(table, columns)
            ).fetchall()
            details = [row[-1] for row in plan]
            assert any(d.startswith("SEARCH t USING PRIMARY KEY") for d in details), details
            assert not any(d.startswith("SCAN t") for d in details), details


# ------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize("kind", ["random", "other-sqlite", "empty", "text"])
def test_a_file_that_is_not_a_dupfind_index_is_refused_and_untouched(tmp_path, kind):
    path = tmp_path / "index.db"
    if kind == "random":
        path.write_bytes(np.random.default_rng(5).bytes(8192))
    elif kind == "other-sqlite":
        with _sql(path) as connection:
            connection.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
            connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    elif kind == "text":
        path.write_text("SQLite format 3 is what this file is not\n" * 10)
    else:
        path.write_bytes(b"")
    before = path.read_bytes()
    for create in (None, params_for(OPTIONS)):
        with pytest.raises(NotAnIndexError, match="not a dupfind index"):
            SQLiteIndex.open(path, create=create)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["index.db"]  # no -wal or -shm either


def test_a_corrupt_dupfind_index_gives_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "index.db"
    with _open(path) as store:
        add_documents(_docs(_corpus(20)), store, OPTIONS)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : len(data)] = np.random.default_rng(1).bytes(len(data) - page)  # keep the header
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(NotAnIndexError, match="malformed"):
        SQLiteIndex.open(path).count()
    assert path.read_bytes() == before


def test_other_parameters_are_refused(tmp_path):
    path = tmp_path / "index.db"
    _open(path).close()
    with pytest.raises(IncompatibleIndexError, match="shingle-size 4 \\(index has 5\\)"):
        SQLiteIndex.open(path, expect={"shingle_size": 4})
    with pytest.raises(IncompatibleIndexError, match="num-perm 64"):
        SQLiteIndex.open(path, expect={"num_perm": 64, "seed": 1})
    SQLiteIndex.open(path, expect={"shingle_size": 5, "seed": 1}).close()  # the same: fine


def test_an_index_of_another_normalization_or_featurization_is_refused(tmp_path):
    path = tmp_path / "index.db"
    _open(path).close()
    with _sql(path) as connection:
        connection.execute("UPDATE meta SET value = '1' WHERE key = 'normalization_version'")
    with pytest.raises(IncompatibleIndexError, match="normalization version 1"):
        SQLiteIndex.open(path)
    with _sql(path) as connection:
        connection.execute(
            "UPDATE meta SET value = ? WHERE key = 'normalization_version'",
            (str(NORMALIZATION_VERSION),),
        )
        connection.execute("UPDATE meta SET value = '0123' WHERE key = 'fingerprint'")
    with pytest.raises(IncompatibleIndexError, match="featurizes or bands documents differently"):
        SQLiteIndex.open(path)


# ------------------------------------------------------------------------------ processes


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_two_concurrent_writers_both_succeed_and_lose_nothing(tmp_path):
    left = write(tmp_path / "left", _corpus(150, start=0))
    right = write(tmp_path / "right", _corpus(150, start=1000))
    index = tmp_path / "shared" / "index.db"  # neither process finds an index: both create
    command = [sys.executable, "-m", "dupfind", "index", "add", "--index", str(index)]
    processes = [
        subprocess.Popen([*command, str(folder)], env=_env(), stderr=subprocess.PIPE, text=True)
        for folder in (left, right)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    with SQLiteIndex.open(index) as store:
        assert store.count() == 300
        assert set(store.entries(_corpus(150, 0)) | store.entries(_corpus(150, 1000))) == set(
            _corpus(150, 0)
        ) | set(_corpus(150, 1000))
    with _sql(index) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dupfind.check import add_documents
    from dupfind.index import SQLiteIndex
    from dupfind.pipeline import ScanOptions
    from dupfind.sources import iter_documents

    index, folder, marker = sys.argv[1:]
    store = SQLiteIndex.open(index)
    # A small page cache spills the transaction's pages into the write-ahead log as it goes,
    # so the kill lands with uncommitted frames on disk.
    store._connection.execute("PRAGMA cache_size = 8")
    write_document = store._write_document
    written = 0

    def slow_write(*args):
        global written
        written += 1
        if written == 400:  # well inside the one write transaction of this add
            Path(marker).write_text("writing")
            time.sleep(60)
        return write_document(*args)

    store._write_document = slow_write
    add_documents(iter_documents([folder]), store, ScanOptions())
    """
)


def test_a_writer_killed_mid_transaction_leaves_the_index_as_before(tmp_path):
    index = tmp_path / "index.db"
    with _open(index) as store:
        add_documents(_docs(_corpus(30)), store, OPTIONS)
    before = _dump(index)
    folder = write(tmp_path / "big", _corpus(600, start=5000))
    marker = tmp_path / "marker"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(index), str(folder), str(marker)], env=_env()
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert writer.poll() is None, "the writer ended before the kill"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    wal = index.with_name("index.db-wal")
    assert wal.exists() and wal.stat().st_size > 0  # uncommitted frames are on disk
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with _sql(index) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _dump(index) == before  # the killed add left nothing: count 30, not partial
    with _open(index) as store:  # and the index stays usable
        result = add_documents(iter_documents([str(folder)]), store, OPTIONS)
        assert len(result.added) == 600 and store.count() == 630


def test_a_writer_killed_at_any_moment_leaves_the_count_before_or_after(tmp_path):
    index = tmp_path / "index.db"
    with _open(index) as store:
        add_documents(_docs(_corpus(20)), store, OPTIONS)
    folder = write(tmp_path / "big", _corpus(400, start=7000))
    writer = subprocess.Popen(
        [sys.executable, "-m", "dupfind", "index", "add", str(folder), "--index", str(index)],
        env=_env(),
        stdout=subprocess.DEVNULL,
    )
    wal = index.with_name("index.db-wal")
    deadline = time.monotonic() + 60
    while writer.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 0:
            break
        time.sleep(0.001)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert _count(index) in (20, 420)
    with _sql(index) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
