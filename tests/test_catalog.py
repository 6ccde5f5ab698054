"""Tests for the packed catalog of document infos a streaming scan keeps."""

from __future__ import annotations

import os
import pickle
import sys

import pytest

from dupfind.catalog import Catalog
from dupfind.documents import DocumentInfo

INFOS = [
    DocumentInfo("wire/keldwick.txt", "Keldwick breakwater to be rebuilt", "/in/wire/keldwick.txt"),
    DocumentInfo("outlets/herald.html", "", "/in/outlets/herald.html"),
    DocumentInfo("feed.jsonl#3", "Chœur de mineurs — « un album »", "/in/feed.jsonl"),
    DocumentInfo("", "", ""),
    DocumentInfo("日本/記事.txt", "港の防波堤", "/in/日本/記事.txt"),
    # A file name with an undecodable byte, as os.fsdecode gives it: a lone surrogate.
    DocumentInfo(os.fsdecode(b"bad\xffname.txt"), "title", os.fsdecode(b"/in/bad\xffname.txt")),
]


def catalog_in_parts(sizes: list[int]) -> Catalog:
    catalog, start = Catalog(), 0
    for size in sizes:
        catalog.extend(Catalog.of(INFOS[start : start + size]))
        start += size
    return catalog


@pytest.mark.parametrize("sizes", [[6], [1, 2, 3], [0, 4, 0, 2], [1] * 6])
def test_infos_come_back_equal_and_in_order_however_the_parts_were_cut(sizes: list[int]) -> None:
    catalog = catalog_in_parts(sizes)
    assert len(catalog) == len(INFOS)
    assert list(catalog) == INFOS
    assert [catalog[i] for i in range(len(INFOS))] == INFOS
    assert catalog.take([5, 0, 2, 2]) == [INFOS[5], INFOS[0], INFOS[2], INFOS[2]]


def test_negative_indexes_slices_and_out_of_range() -> None:
    catalog = catalog_in_parts([2, 4])
    assert catalog[-1] == INFOS[-1]
    assert catalog[1:4] == INFOS[1:4]
    assert catalog[::-2] == INFOS[::-2]
    with pytest.raises(IndexError):
        catalog[6]
    with pytest.raises(IndexError):
        catalog[-7]


def test_an_empty_catalog() -> None:
    catalog = Catalog.of([])
    assert len(catalog) == 0 and list(catalog) == [] and catalog.nbytes == 0
    catalog.extend(Catalog())
    assert len(catalog) == 0


def object_bytes(info: DocumentInfo) -> int:
    """Memory of an info as Python objects: the dataclass, its attribute dict, its strings."""
    strings = sum(sys.getsizeof(text) for text in (info.id, info.title, info.path))
    return sys.getsizeof(info) + sys.getsizeof(info.__dict__) + strings


def test_packed_infos_take_a_fraction_of_their_objects_memory_and_survive_pickling() -> None:
    infos = [
        DocumentInfo(f"shard/{i:07d}.txt", f"Headline {i}", f"/data/shard/{i:07d}.txt")
        for i in range(2000)
    ]
    catalog = Catalog.of(infos)
    assert list(pickle.loads(pickle.dumps(catalog))) == infos
    # The strings' bytes and 4 bytes of offset for each of three strings...
    text_bytes = sum(len(i.id) + len(i.title) + len(i.path) for i in infos)
    assert catalog.nbytes == text_bytes + 12 * len(infos)
    # ...against several hundred bytes a document as objects.
    assert catalog.nbytes * 4 < sum(map(object_bytes, infos))
