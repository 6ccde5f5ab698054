"""dupfind: find near-duplicate news articles (syndicated wire copies) and show what changed.

The command line is a thin layer over this API::

    import dupfind

    result = dupfind.scan(["articles/"])
    for cluster in result.clusters:
        print(cluster.canonical.id, [m.id for m in cluster.members[1:]])

Stages live in their own modules, in pipeline order: :mod:`dupfind.sources` (read),
:mod:`dupfind.normalize`, :mod:`dupfind.shingle` and :mod:`dupfind.minhash` (shingle and
sign), :mod:`dupfind.lsh` (index), :mod:`dupfind.verify` and :mod:`dupfind.cluster`,
:mod:`dupfind.output` and :mod:`dupfind.render`.
"""

__version__ = "0.1.0"

from dupfind.documents import Document, Problem
from dupfind.pipeline import (
    Cluster,
    Member,
    ScanOptions,
    ScanResult,
    ScanStats,
    scan,
    scan_documents,
)

__all__ = [
    "Cluster",
    "Document",
    "Member",
    "Problem",
    "ScanOptions",
    "ScanResult",
    "ScanStats",
    "__version__",
    "scan",
    "scan_documents",
]
