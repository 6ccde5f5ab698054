"""Tests for banded LSH: parameter choice, band keys and candidate pairs."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dupfind import lsh
from dupfind.cluster import connected_components
from dupfind.lsh import DEFAULT_WINDOW, band_keys, candidate_pairs, optimal_bands, pairs_sharing


class TestOptimalBands:
    @pytest.mark.parametrize(
        ("threshold", "num_perm"),
        [(0.2, 128), (0.5, 128), (0.8, 128), (0.3, 64), (0.9, 32), (0.5, 256), (0.1, 16)],
    )
    def test_matches_datasketch_optimum(self, threshold: float, num_perm: int) -> None:
        assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)

    def test_uses_at_most_num_perm_values(self) -> None:
        for threshold in (0.1, 0.4, 0.7):
            bands, rows = optimal_bands(threshold, 100)
            assert bands * rows <= 100

    def test_higher_threshold_needs_longer_bands(self) -> None:
        # The S-curve's steep part is near (1/b)^(1/r): a higher threshold needs more rows.
        low_bands, low_rows = optimal_bands(0.2, 128)
        high_bands, high_rows = optimal_bands(0.8, 128)
        assert high_rows > low_rows
        assert high_bands < low_bands

    @pytest.mark.parametrize("threshold", [0.0, 1.0, -0.1, 1.5])
    def test_rejects_threshold_outside_open_interval(self, threshold: float) -> None:
        with pytest.raises(ValueError):
            optimal_bands(threshold, 128)


class TestBandKeys:
    def test_shape_and_dtype(self) -> None:
        signatures = np.arange(5 * 12, dtype=np.uint32).reshape(5, 12)
        keys = band_keys(signatures, bands=3, rows=4)
        assert keys.shape == (5, 3)
        assert keys.dtype == np.uint64

    def test_unused_trailing_values_are_ignored(self) -> None:
        signatures = np.arange(2 * 10, dtype=np.uint32).reshape(2, 10)
        signatures[1, :9] = signatures[0, :9]  # differ only in the 10th value
        keys = band_keys(signatures, bands=3, rows=3)  # uses the first 9 values
        np.testing.assert_array_equal(keys[0], keys[1])

    def test_equal_bands_give_equal_keys_and_different_bands_differ(self) -> None:
        signatures = np.array(
            [
                [1, 2, 3, 4, 5, 6],
                [1, 2, 9, 9, 5, 6],  # same band 0 and band 2 as row 0
                [2, 1, 3, 4, 6, 5],  # same values as row 0 in band 1, reordered in bands 0, 2
            ],
            dtype=np.uint32,
        )
        keys = band_keys(signatures, bands=3, rows=2)
        assert keys[0, 0] == keys[1, 0]
        assert keys[0, 2] == keys[1, 2]
        assert keys[0, 1] != keys[1, 1]
        assert keys[0, 1] == keys[2, 1]
        # Row order inside a band matters: (1, 2) and (2, 1) are different bands.
        assert keys[0, 0] != keys[2, 0]
        assert keys[0, 2] != keys[2, 2]

    def test_keys_depend_on_band_values_not_document_position(self) -> None:
        rng = np.random.default_rng(1)
        signatures = rng.integers(0, 2**32, size=(6, 16), dtype=np.uint32)
        keys = band_keys(signatures, bands=4, rows=4)
        shuffled = band_keys(signatures[::-1], bands=4, rows=4)
        np.testing.assert_array_equal(keys, shuffled[::-1])

    def test_rejects_more_values_than_the_signature_has(self) -> None:
        with pytest.raises(ValueError):
            band_keys(np.zeros((2, 8), dtype=np.uint32), bands=3, rows=3)


def _pairs_set(pairs: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in pairs}


class TestCandidatePairs:
    def test_pair_sharing_one_band_is_found(self) -> None:
        signatures = np.array(
            [
                [10, 11, 12, 13, 14, 15, 16, 17],
                [90, 91, 92, 93, 14, 15, 96, 97],  # shares only band 2 with row 0
                [50, 51, 52, 53, 54, 55, 56, 57],  # shares nothing
                [60, 11, 62, 13, 64, 15, 66, 17],  # shares single values but no whole band
            ],
            dtype=np.uint32,
        )
        pairs = candidate_pairs(band_keys(signatures, bands=4, rows=2))
        assert pairs.tolist() == [[0, 1]]

    def test_no_shared_band_gives_no_pairs(self) -> None:
        signatures = np.arange(4 * 8, dtype=np.uint32).reshape(4, 8)
        pairs = candidate_pairs(band_keys(signatures, bands=4, rows=2))
        assert pairs.shape == (0, 2)

    def test_output_sorted_unique_with_i_less_than_j(self) -> None:
        rng = np.random.default_rng(5)
        # Few distinct values per band so that many documents collide, in several bands.
        signatures = rng.integers(0, 3, size=(40, 8), dtype=np.uint32)
        pairs = candidate_pairs(band_keys(signatures, bands=4, rows=2))
        assert pairs.dtype == np.int64
        assert pairs.ndim == 2 and pairs.shape[1] == 2 and len(pairs) > 0
        assert np.all(pairs[:, 0] < pairs[:, 1])
        as_tuples = [tuple(p) for p in pairs.tolist()]
        assert as_tuples == sorted(set(as_tuples))

    def test_small_runs_give_exactly_the_brute_force_pairs(self) -> None:
        # With every run of equal keys shorter than window + 1, all sharing pairs are returned.
        rng = np.random.default_rng(9)
        signatures = rng.integers(0, 6, size=(30, 6), dtype=np.uint32)
        keys = band_keys(signatures, bands=3, rows=2)
        expected = {
            (i, j)
            for i in range(30)
            for j in range(i + 1, 30)
            if np.any(np.all(signatures[i].reshape(3, 2) == signatures[j].reshape(3, 2), axis=1))
        }
        assert expected  # the test needs some collisions
        assert _pairs_set(candidate_pairs(keys, window=30)) == expected

    def test_run_of_window_plus_one_is_fully_paired(self) -> None:
        count = DEFAULT_WINDOW + 1
        keys = np.zeros((count, 1), dtype=np.uint64)
        assert len(candidate_pairs(keys)) == count * (count - 1) // 2

    def test_long_run_of_identical_signatures_stays_linear_and_connected(self) -> None:
        count, window = 1000, DEFAULT_WINDOW
        signatures = np.tile(np.arange(32, dtype=np.uint32), (count, 1))
        pairs = candidate_pairs(band_keys(signatures, bands=8, rows=4), window=window)
        # All-pairs would be 499,500; windowing keeps it linear in the run length.
        assert len(pairs) <= window * count
        assert len(pairs) >= count - 1
        assert np.all(np.abs(pairs[:, 1] - pairs[:, 0]) <= window)
        components = connected_components(count, [tuple(p) for p in pairs.tolist()])
        assert components == [list(range(count))]

    def test_window_one_chains_the_run(self) -> None:
        keys = np.full((5, 1), 7, dtype=np.uint64)
        assert candidate_pairs(keys, window=1).tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]

    def test_run_is_paired_in_document_order_regardless_of_other_keys(self) -> None:
        # Documents 0, 2, 4 share a key; 1 and 3 have their own. Window 1 links neighbours
        # within the run (0-2, 2-4), never across it.
        keys = np.array([[5], [1], [5], [9], [5]], dtype=np.uint64)
        assert candidate_pairs(keys, window=1).tolist() == [[0, 2], [2, 4]]

    @pytest.mark.parametrize("count", [0, 1])
    def test_fewer_than_two_documents_give_no_pairs(self, count: int) -> None:
        pairs = candidate_pairs(np.zeros((count, 3), dtype=np.uint64))
        assert pairs.shape == (0, 2)

    def test_threads_give_the_same_pairs(self) -> None:
        rng = np.random.default_rng(11)
        signatures = rng.integers(0, 4, size=(3000, 16), dtype=np.uint32)
        keys = band_keys(signatures, bands=8, rows=2)
        one = candidate_pairs(keys, window=3)
        assert len(one) > 3000
        assert candidate_pairs(keys, window=3, jobs=2).tolist() == one.tolist()


class TestPairsSharing:
    @pytest.mark.parametrize("jobs", [1, 2])
    def test_partitioned_pairing_equals_pairing_all_keys_at_once(
        self, monkeypatch: pytest.MonkeyPatch, jobs: int
    ) -> None:
        rng = np.random.default_rng(jobs)
        count = 2000
        pool = rng.integers(0, 2**64 - 1, size=900, dtype=np.uint64, endpoint=True)
        owners = np.repeat(np.arange(count), 3)  # three distinct keys for each owner
        keys = np.concatenate([rng.choice(pool, size=3, replace=False) for _ in range(count)])
        whole = pairs_sharing(keys, owners, count, window=4)
        assert len(whole) > count
        monkeypatch.setattr(lsh, "_PARTITION_MIN", 100)
        assert pairs_sharing(keys, owners, count, window=4, jobs=jobs).tolist() == whole.tolist()
