"""The catalog: each document's id, title and path, packed for millions of documents.

Besides its compact arrays, a streaming scan keeps what its report needs of every document
(:class:`~dupfind.documents.DocumentInfo`). As Python objects, a dataclass of three strings,
that is about 0.9 KB a document: the largest thing a scan of a million articles held. Packed
here as UTF-8 bytes and end offsets it costs the strings' bytes plus 12 bytes, and a batch
crosses between processes as two buffers instead of 2,000 objects.

Workers pack their batch (:meth:`Catalog.of`); the main process appends the parts without
copying them (:meth:`Catalog.extend`); a document's info is unpacked when it is asked for::

    >>> from dupfind.documents import DocumentInfo
    >>> catalog = Catalog.of([DocumentInfo("a.txt", "Storm hits coast", "/news/a.txt")])
    >>> catalog.extend(Catalog.of([DocumentInfo("b.txt", "", "/news/b.txt")]))
    >>> len(catalog), catalog[1]
    (2, DocumentInfo(id='b.txt', title='', path='/news/b.txt'))
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import overload

import numpy as np

from dupfind.documents import DocumentInfo

_FIELDS = 3  # id, title, path
# Paths may hold undecodable bytes as lone surrogates (os.fsdecode): keep them round-trip.
_ERRORS = "surrogatepass"


class _Part:
    """A batch of infos: their strings' UTF-8 back to back, and where each string ends."""

    __slots__ = ("data", "ends")

    def __init__(self, infos: Iterable[DocumentInfo]) -> None:
        encoded = [
            text.encode("utf-8", _ERRORS)
            for info in infos
            for text in (info.id, info.title, info.path)
        ]
        self.data = b"".join(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        dtype = np.uint32 if len(self.data) < 2**32 else np.int64
        self.ends = np.cumsum(lengths).astype(dtype)

    def __len__(self) -> int:
        return self.ends.size // _FIELDS

    def info(self, index: int) -> DocumentInfo:
        first = _FIELDS * index
        bounds = [int(self.ends[first - 1]) if first else 0]
        bounds += self.ends[first : first + _FIELDS].tolist()
        id_, title, path = (
            self.data[start:end].decode("utf-8", _ERRORS) for start, end in pairwise(bounds)
        )
        return DocumentInfo(id_, title, path)


class Catalog(Sequence[DocumentInfo]):
    """The infos of a scan's documents in scan order, packed (see the module docstring)."""

    def __init__(self) -> None:
        self._parts: list[_Part] = []
        self._starts: list[int] = [0]  # each part's first document; the total last

    @classmethod
    def of(cls, infos: Iterable[DocumentInfo]) -> Catalog:
        """A catalog of ``infos``, packed in one part."""
        catalog = cls()
        part = _Part(infos)
        if len(part):
            catalog._append(part)
        return catalog

    def extend(self, other: Catalog) -> None:
        """Append ``other``'s documents (its parts are shared, not copied)."""
        for part in other._parts:
            self._append(part)

    def _append(self, part: _Part) -> None:
        self._parts.append(part)
        self._starts.append(self._starts[-1] + len(part))

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> DocumentInfo: ...

    @overload
    def __getitem__(self, index: slice) -> list[DocumentInfo]: ...

    def __getitem__(self, index: int | slice) -> DocumentInfo | list[DocumentInfo]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("catalog index out of range")
        part = bisect_right(self._starts, index) - 1
        return self._parts[part].info(index - self._starts[part])

    def take(self, indexes: Sequence[int]) -> list[DocumentInfo]:
        """The infos of documents ``indexes``, in that order."""
        return [self[index] for index in indexes]

    @property
    def nbytes(self) -> int:
        """Bytes the packed strings and offsets take."""
        return sum(len(part.data) + part.ends.nbytes for part in self._parts)
