"""Clusters from verified pairs: union-find components and a canonical member for each.

Clusters are the connected components of the verified-pair graph (union-find with path
halving and union by size: near-linear, deterministic because pairs arrive sorted).

The canonical member is the most central one: the member whose verified edges carry the
largest total Jaccard. Why not the longest or the earliest? Outlets pad copies with their own
furniture and extra paragraphs, so the longest member is often the most altered one, and file
order says nothing about publication order. The member that most others overlap is the best
stand-in for the wire original. Ties go to the longer text, then the smaller id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from scipy.sparse import coo_matrix, csgraph


class UnionFind:
    """Disjoint sets over ``0..size-1``."""

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))
        self._size = [1] * size

    def find(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, left: int, right: int) -> bool:
        """Join two sets; return False when they were already one."""
        root_left, root_right = self.find(left), self.find(right)
        if root_left == root_right:
            return False
        if self._size[root_left] < self._size[root_right]:
            root_left, root_right = root_right, root_left
        self._parent[root_right] = root_left
        self._size[root_left] += self._size[root_right]
        return True


def component_labels(size: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label of each node ``0..size-1`` of a graph given as an ``(n, 2)``
    array of edges, in compiled code (scipy's csgraph): a million-document candidate graph
    takes a Python union-find seconds per million edges, this a fraction of one.

    Each label is the component's smallest node, so labels do not depend on edge order.
    """
    if size == 0:
        return np.empty(0, dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix(
        (np.ones(pairs.shape[0], dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(size, size)
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, size, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(size, dtype=np.int64))
    return smallest[labels]


def connected_components(size: int, edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Return components of two or more nodes, each sorted, ordered by their smallest node."""
    labels = component_labels(size, np.array(edges, dtype=np.int64).reshape(-1, 2))
    grouped = np.flatnonzero(np.bincount(labels, minlength=size)[labels] > 1)
    groups: dict[int, list[int]] = defaultdict(list)
    for node, label in zip(grouped.tolist(), labels[grouped].tolist(), strict=True):
        groups[label].append(node)
    return [groups[label] for label in sorted(groups)]


def choose_canonical(
    members: Sequence[int],
    edge_weights: Sequence[tuple[int, int, float]],
    lengths: Sequence[int],
    ids: Sequence[str],
) -> int:
    """Pick the most central member (see the module docstring for the rule and why)."""
    centrality: dict[int, float] = defaultdict(float)
    for left, right, weight in edge_weights:
        centrality[left] += weight
        centrality[right] += weight
    return min(members, key=lambda node: (-round(centrality[node], 9), -lengths[node], ids[node]))


def guarded_components(
    size: int,
    edges: Sequence[tuple[int, int]],
    is_copy: Callable[[int, int], bool],
    support: float = 0.5,
    sample: int = 8,
) -> list[list[int]]:
    """Components grown edge by edge, merging two groups only when they agree as wholes.

    Plain union-find chains: an article that carries paragraphs of a second report verifies
    against that report, and one such edge would join two stories' clusters. Here, edges are
    taken in the given order (strongest first) and two groups merge only when at least
    ``support`` of the pairs between their ``sample`` smallest members are copies by
    ``is_copy``. Cost per merge is at most ``sample**2`` checks, and member lists are joined
    smaller into larger, so a cluster of n members costs O(n log n), not O(n**2).
    """
    forest = UnionFind(size)
    members: dict[int, list[int]] = {}
    samples: dict[int, list[int]] = {}  # each group's ``sample`` smallest members, sorted
    for left, right in edges:
        root_left, root_right = forest.find(left), forest.find(right)
        if root_left == root_right:
            continue
        group_left = samples.get(root_left, [root_left])
        group_right = samples.get(root_right, [root_right])
        if len(group_left) * len(group_right) > 1:
            agreeing = sum(is_copy(a, b) for a in group_left for b in group_right)
            if agreeing < support * len(group_left) * len(group_right):
                continue
        list_left = members.pop(root_left, [root_left])
        list_right = members.pop(root_right, [root_right])
        if len(list_left) < len(list_right):
            list_left, list_right = list_right, list_left
        list_left.extend(list_right)
        samples.pop(root_left, None)
        samples.pop(root_right, None)
        forest.union(left, right)
        root = forest.find(left)
        members[root] = list_left
        samples[root] = sorted(group_left + group_right)[:sample]
    groups = [sorted(m) for m in members.values() if len(m) > 1]
    return sorted(groups, key=min)
