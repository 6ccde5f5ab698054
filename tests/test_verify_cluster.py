"""Tests for exact pair verification, union-find components and the canonical member."""

from __future__ import annotations

import numpy as np
import pytest

from dupfind.cluster import UnionFind, choose_canonical, connected_components
from dupfind.verify import DecisionRule, PairScores, verify_pairs


def arr(*values: int) -> np.ndarray:
    return np.array(sorted(values), dtype=np.uint64)


class TestPairScores:
    def test_partial_overlap_by_hand(self) -> None:
        # {1..6} and {4..10}: shared {4, 5, 6} = 3, union {1..10} = 10, smaller set has 6.
        scores = PairScores.of(arr(1, 2, 3, 4, 5, 6), arr(4, 5, 6, 7, 8, 9, 10))
        assert scores.shared == 3
        assert scores.jaccard == pytest.approx(3 / 10)
        assert scores.containment == pytest.approx(3 / 6)

    def test_subset_has_full_containment(self) -> None:
        # {2, 4} inside {1..8}: shared 2, union 8, smaller set 2.
        scores = PairScores.of(arr(1, 2, 3, 4, 5, 6, 7, 8), arr(2, 4))
        assert scores == PairScores(shared=2, jaccard=0.25, containment=1.0)

    def test_identical_sets(self) -> None:
        values = arr(3, 1, 4, 15, 9, 26)
        assert PairScores.of(values, values.copy()) == PairScores(6, 1.0, 1.0)

    def test_disjoint_sets(self) -> None:
        assert PairScores.of(arr(1, 2), arr(3, 4)) == PairScores(0, 0.0, 0.0)

    def test_symmetric(self) -> None:
        left, right = arr(1, 5, 7, 9, 11), arr(5, 9, 12)
        assert PairScores.of(left, right) == PairScores.of(right, left)

    def test_large_uint64_values(self) -> None:
        high = np.uint64(2**64 - 1)
        left = np.array([5, 2**63, high], dtype=np.uint64)
        right = np.array([2**63, high], dtype=np.uint64)
        assert PairScores.of(left, right) == PairScores(2, 2 / 3, 1.0)

    @pytest.mark.parametrize(
        ("left", "right"),
        [((), ()), ((), (1, 2, 3)), ((1, 2, 3), ())],
    )
    def test_empty_sets_score_zero(self, left: tuple[int, ...], right: tuple[int, ...]) -> None:
        assert PairScores.of(arr(*left), arr(*right)) == PairScores(0, 0.0, 0.0)


class TestDecisionRule:
    RULE = DecisionRule(jaccard_threshold=0.5, containment_threshold=0.8, min_shared_shingles=10)

    def test_accepts_by_jaccard(self) -> None:
        assert self.RULE.accepts(PairScores(shared=3, jaccard=0.6, containment=0.6))

    def test_jaccard_threshold_is_inclusive(self) -> None:
        assert self.RULE.accepts(PairScores(shared=1, jaccard=0.5, containment=0.5))

    def test_accepts_by_containment_with_enough_shared(self) -> None:
        assert self.RULE.accepts(PairScores(shared=10, jaccard=0.2, containment=0.8))

    def test_rejects_containment_with_too_few_shared(self) -> None:
        # A short text fully inside a long one is not a copy.
        assert not self.RULE.accepts(PairScores(shared=9, jaccard=0.2, containment=1.0))

    def test_rejects_low_containment_even_with_many_shared(self) -> None:
        assert not self.RULE.accepts(PairScores(shared=500, jaccard=0.4, containment=0.79))

    def test_rejects_nothing_shared(self) -> None:
        assert not self.RULE.accepts(PairScores(0, 0.0, 0.0))

    def test_with_real_sets(self) -> None:
        base = np.arange(100, dtype=np.uint64)
        padded = np.arange(400, dtype=np.uint64)  # base plus 300 of its own: J 0.25, C 1.0
        one_line = np.arange(5, dtype=np.uint64)  # J 0.05, C 1.0, only 5 shared
        assert self.RULE.accepts(PairScores.of(base, padded))
        assert not self.RULE.accepts(PairScores.of(base, one_line))

    def test_verify_pairs_keeps_accepted_in_order(self) -> None:
        sets = [
            np.arange(0, 100, dtype=np.uint64),
            np.arange(10, 110, dtype=np.uint64),  # J with 0: 90/110
            np.arange(500, 600, dtype=np.uint64),  # disjoint from both
            np.arange(0, 3, dtype=np.uint64),  # contained in 0 but only 3 shared
        ]
        pairs = np.array([[0, 1], [0, 2], [0, 3], [1, 2]], dtype=np.int64)
        accepted = verify_pairs(pairs, sets, self.RULE)
        assert [(a, b) for a, b, _ in accepted] == [(0, 1)]
        assert accepted[0][2] == PairScores(90, 90 / 110, 0.9)

    def test_verify_pairs_empty(self) -> None:
        assert verify_pairs(np.empty((0, 2), dtype=np.int64), [], self.RULE) == []


class TestConnectedComponents:
    def test_chain_is_one_component(self) -> None:
        assert connected_components(5, [(0, 1), (1, 2), (2, 3), (3, 4)]) == [[0, 1, 2, 3, 4]]

    def test_isolated_nodes_are_left_out(self) -> None:
        assert connected_components(8, [(1, 6), (3, 4)]) == [[1, 6], [3, 4]]

    def test_no_edges(self) -> None:
        assert connected_components(4, []) == []

    def test_components_sorted_internally_and_by_smallest_node(self) -> None:
        edges = [(7, 9), (2, 8), (5, 9), (0, 8)]
        assert connected_components(10, edges) == [[0, 2, 8], [5, 7, 9]]

    def test_order_of_edges_does_not_matter(self) -> None:
        edges = [(0, 4), (4, 9), (2, 3), (6, 7), (7, 2), (1, 5)]
        expected = connected_components(10, edges)
        assert expected == [[0, 4, 9], [1, 5], [2, 3, 6, 7]]
        assert connected_components(10, edges[::-1]) == expected
        assert connected_components(10, [(b, a) for a, b in edges]) == expected

    def test_redundant_edges_and_cycles(self) -> None:
        edges = [(0, 1), (1, 2), (2, 0), (0, 1), (1, 0)]
        assert connected_components(3, edges) == [[0, 1, 2]]

    def test_long_chain_in_reverse(self) -> None:
        count = 5000
        edges = [(i, i + 1) for i in reversed(range(count - 1))]
        assert connected_components(count, edges) == [list(range(count))]

    def test_union_find_reports_merges(self) -> None:
        forest = UnionFind(4)
        assert forest.union(0, 1)
        assert forest.union(2, 3)
        assert not forest.union(1, 0)
        assert forest.union(1, 3)
        assert len({forest.find(i) for i in range(4)}) == 1


class TestChooseCanonical:
    def test_most_central_member_wins(self) -> None:
        # Star around node 2: its edges sum to 1.5; the others have 0.8, 0.7 and 0.3 + 0.2.
        edges = [(0, 2, 0.8), (1, 2, 0.7), (2, 3, 0.0), (1, 3, 0.3)]
        lengths = [900, 900, 100, 900]  # the centre is the shortest: length must not decide
        ids = ["a", "b", "z", "c"]  # and its id is the largest
        assert choose_canonical([0, 1, 2, 3], edges, lengths, ids) == 2

    def test_tie_in_centrality_goes_to_longer(self) -> None:
        edges = [(0, 1, 0.6)]
        assert choose_canonical([0, 1], edges, [50, 80], ["a", "b"]) == 1

    def test_tie_in_centrality_and_length_goes_to_smaller_id(self) -> None:
        edges = [(0, 1, 0.6)]
        assert choose_canonical([0, 1], edges, [80, 80], ["zeta", "alpha"]) == 1

    def test_floating_point_noise_does_not_break_a_tie(self) -> None:
        # 0.1 + 0.2 != 0.3 in floating point; centralities are compared rounded.
        edges = [(0, 1, 0.1), (0, 1, 0.2), (1, 2, 0.3)]
        # Node 0: 0.1 + 0.2; node 2: 0.3; node 1 is the centre. Between 0 and 2, the length decides.
        assert choose_canonical([0, 2], edges, [10, 20, 30], ["a", "b", "c"]) == 2

    def test_members_outside_the_edge_list_have_zero_centrality(self) -> None:
        assert choose_canonical([0, 1, 2], [(0, 1, 0.4)], [5, 5, 999], ["a", "b", "c"]) == 0
