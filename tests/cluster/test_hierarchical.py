"""AgglomerativeClustering against scikit-learn's (the reference) and SciPy's fcluster."""

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import cdist
from sklearn.cluster import AgglomerativeClustering as SkAgglomerative
from sklearn.metrics import adjusted_rand_score

from latentlearn.cluster import AgglomerativeClustering, cut_linkage, linkage_tree
from latentlearn.cluster import hierarchical as hierarchical_module
from latentlearn.datasets import load
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.registry import get_method

LINKAGES = ["ward", "complete", "average", "single"]


@pytest.fixture(scope="module")
def digits():
    return load("digits").X  # (1797, 64) float32, multiples of 1/16: many tied distances


@pytest.fixture(scope="module")
def blobs():
    return load("blobs", n_samples=600, n_features=5, centers=5, cluster_std=2.0).X


def _same_partition(a, b):
    return adjusted_rand_score(a, b) == 1.0


# -- against scikit-learn -----------------------------------------------------------------------


@pytest.mark.parametrize("linkage", LINKAGES)
def test_same_tree_as_sklearn(linkage, digits, blobs):
    # The same merges in the same order at the same heights: then every cut agrees.
    for X in (blobs, digits):
        ours = AgglomerativeClustering(5, linkage=linkage).fit(X)
        ref = SkAgglomerative(5, linkage=linkage, compute_distances=True).fit(X)
        np.testing.assert_array_equal(np.sort(ours.children_, axis=1),
                                      np.sort(ref.children_, axis=1))
        np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12, atol=0)


@pytest.mark.parametrize("linkage", LINKAGES)
def test_same_partitions_as_sklearn(linkage, digits, blobs):
    for X, ks in ((blobs, (5, 12)), (digits, (10, 40))):
        tree = AgglomerativeClustering(ks[0], linkage=linkage).fit(X)
        for k in ks:
            ours = tree.labels_ if k == ks[0] else cut_linkage(tree.linkage_matrix_, n_clusters=k)
            ref = SkAgglomerative(k, linkage=linkage).fit_predict(X)
            assert np.unique(ours).size == k
            assert _same_partition(ours, ref), (linkage, k)


def test_cuts_inside_tied_heights_agree_with_sklearn(digits):
    # Digits are multiples of 1/16, so single-linkage merge heights tie often. A cut that falls
    # inside a run of equal heights depends on the order of the tied merges; SciPy and
    # scikit-learn build the same minimum spanning tree (Prim from sample 0, first minimum
    # wins) and sort it stably, so even these cuts agree.
    ours = AgglomerativeClustering(2, linkage="single").fit(digits)
    heights = ours.distances_
    n = digits.shape[0]
    tied = [k for k in range(2, 200) if heights[n - k - 1] == heights[n - k]]
    assert len(tied) > 10  # the ties are really there
    for k in tied[:4]:
        ref = SkAgglomerative(k, linkage="single").fit_predict(digits)
        assert _same_partition(cut_linkage(ours.linkage_matrix_, n_clusters=k), ref)
        # ...and a height cannot make that partition: fcluster at the tied height gives fewer
        t = heights[n - k]
        assert np.unique(hierarchy.fcluster(ours.linkage_matrix_, t, "distance")).size < k


@pytest.mark.parametrize("metric", ["manhattan", "cosine"])
def test_other_metrics_match_sklearn(metric, blobs):
    for linkage in ("average", "complete", "single"):
        ours = AgglomerativeClustering(6, metric=metric, linkage=linkage).fit_predict(blobs)
        ref = SkAgglomerative(6, metric=metric, linkage=linkage).fit_predict(blobs)
        assert _same_partition(ours, ref)


def test_precomputed_distances(blobs):
    D = cdist(blobs, blobs)
    for linkage in ("average", "complete", "single"):
        pre = AgglomerativeClustering(6, metric="precomputed", linkage=linkage).fit(D)
        raw = AgglomerativeClustering(6, linkage=linkage).fit(blobs)
        np.testing.assert_array_equal(pre.labels_, raw.labels_)
        np.testing.assert_allclose(pre.distances_, raw.distances_, rtol=1e-12)
    assert AgglomerativeClustering(metric="precomputed").__sklearn_tags__().input_tags.pairwise


# -- cutting by height --------------------------------------------------------------------------


@pytest.mark.parametrize("linkage", LINKAGES)
def test_distance_threshold_equals_fcluster_and_sklearn(linkage, blobs):
    Z = linkage_tree(blobs, linkage=linkage)
    heights = np.unique(Z[:, 2])
    # heights strictly between merges: SciPy (merge at <= t) and scikit-learn (< t) agree
    for t in 0.5 * (heights[-12:-1] + heights[-11:]):
        ours = AgglomerativeClustering(None, linkage=linkage, distance_threshold=t).fit(blobs)
        scipy_labels = hierarchy.fcluster(Z, t, criterion="distance")
        assert _same_partition(ours.labels_, scipy_labels)
        assert ours.n_clusters_ == np.unique(scipy_labels).size
        ref = SkAgglomerative(None, linkage=linkage, distance_threshold=t).fit(blobs)
        assert ours.n_clusters_ == ref.n_clusters_
        assert _same_partition(ours.labels_, ref.labels_)
    # exactly at a merge height, that merge is not made (scikit-learn's rule); SciPy makes it
    t = float(heights[-5])
    ours = AgglomerativeClustering(None, linkage=linkage, distance_threshold=t).fit(blobs)
    below = hierarchy.fcluster(Z, np.nextafter(t, 0), criterion="distance")
    assert _same_partition(ours.labels_, below)
    assert ours.n_clusters_ == np.unique(hierarchy.fcluster(Z, t, "distance")).size + 1


def test_threshold_levels_give_nested_partitions(blobs):
    # "different level thresholds yield different clusters", each a coarsening of the one below
    Z = linkage_tree(blobs, linkage="average")
    previous = None
    for t in np.quantile(Z[-20:, 2], [0.1, 0.4, 0.7, 0.95]):
        labels = cut_linkage(Z, distance_threshold=t)
        if previous is not None:
            for cluster in np.unique(previous):  # each finer cluster sits inside one coarser one
                assert np.unique(labels[previous == cluster]).size == 1
        previous = labels


# -- the fitted attributes ----------------------------------------------------------------------


def test_attributes_and_linkage_matrix(blobs):
    n = blobs.shape[0]
    model = AgglomerativeClustering(4, linkage="ward").fit(blobs)
    Z = model.linkage_matrix_
    assert Z.shape == (n - 1, 4)
    assert hierarchy.is_valid_linkage(Z) and hierarchy.is_monotonic(Z)
    assert Z[-1, 3] == n
    np.testing.assert_array_equal(model.children_, Z[:, :2].astype(int))
    np.testing.assert_array_equal(model.distances_, Z[:, 2])
    assert model.n_leaves_ == n and model.n_clusters_ == 4 and model.n_features_in_ == 5
    assert model.labels_.dtype.kind == "i" and model.labels_.shape == (n,)
    np.testing.assert_array_equal(AgglomerativeClustering(4).fit_predict(blobs), model.labels_)
    # Ward's height is sqrt(2 dSSE): check the last merge from the two clusters it joins
    two = cut_linkage(Z, n_clusters=2)
    a, b = blobs[two == 0].astype(np.float64), blobs[two == 1].astype(np.float64)
    gap = np.linalg.norm(a.mean(axis=0) - b.mean(axis=0))
    expected = np.sqrt(2 * len(a) * len(b) / (len(a) + len(b))) * gap
    assert Z[-1, 2] == pytest.approx(expected, rel=1e-6)


def test_labels_numbered_by_first_appearance(blobs):
    labels = AgglomerativeClustering(7, linkage="average").fit_predict(blobs)
    _, first = np.unique(labels, return_index=True)
    assert np.all(np.diff(first) > 0) and labels[0] == 0


def test_n_clusters_cut_is_exact_under_ties():
    # Four equally spaced points: every single-linkage merge is at height 1. fcluster's
    # "maxclust" cannot split a run of equal heights; the cut by merge order can.
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    Z = linkage_tree(X, linkage="single")
    assert np.all(Z[:, 2] == 1.0)
    assert np.unique(hierarchy.fcluster(Z, 2, criterion="maxclust")).size == 1
    for k in range(1, 5):
        assert np.unique(cut_linkage(Z, n_clusters=k)).size == k
        assert AgglomerativeClustering(k, linkage="single").fit(X).n_clusters_ == k


def test_float32_and_float64_give_the_same_tree(digits):
    a = AgglomerativeClustering(10, linkage="average").fit(digits)
    b = AgglomerativeClustering(10, linkage="average").fit(digits.astype(np.float64))
    np.testing.assert_array_equal(a.linkage_matrix_, b.linkage_matrix_)


def test_gram_distances_are_pdists_bits(digits):
    # integer-like data take the BLAS path, whose squared distances are exact integers
    from scipy.spatial.distance import pdist

    raw = np.random.RandomState(0).randint(0, 256, size=(300, 784)).astype(np.float32)
    for X, scale in ((digits[:400], 16.0), (raw, 1.0), (raw / 4, 4.0)):
        assert hierarchical_module._dyadic_scale(X) == scale
        fast = hierarchical_module._exact_gram_distances(X)
        np.testing.assert_array_equal(fast, pdist(X.astype(np.float64)))
    floats = np.random.RandomState(0).normal(size=(50, 3))
    assert hierarchical_module._exact_gram_distances(floats) is None  # not exact: pdist
    assert hierarchical_module._exact_gram_distances(raw / 255) is None
    huge = np.array([[2.0**26, 0.0], [0.0, 2.0**26]])  # products would pass 2^53
    assert hierarchical_module._exact_gram_distances(huge) is None


def test_gram_blocks_do_not_change_the_distances(digits, monkeypatch):
    whole = hierarchical_module._exact_gram_distances(digits[:300])
    monkeypatch.setattr(hierarchical_module, "_GRAM_BLOCK_ENTRIES", 1000)  # 3-row blocks
    np.testing.assert_array_equal(hierarchical_module._exact_gram_distances(digits[:300]), whole)


def test_save_and_load(blobs, tmp_path):
    from latentlearn.persistence import load_estimator, save_estimator

    model = AgglomerativeClustering(4, linkage="average").fit(blobs)
    save_estimator(model, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    np.testing.assert_array_equal(loaded.linkage_matrix_, model.linkage_matrix_)
    np.testing.assert_array_equal(loaded.labels_, model.labels_)
    assert loaded.n_clusters_ == 4 and loaded.get_params() == model.get_params()


def test_registered():
    assert get_method("agglomerative").cls is AgglomerativeClustering


# -- errors -------------------------------------------------------------------------------------


def test_errors(blobs):
    with pytest.raises(ParameterError, match="exactly one of n_clusters"):
        AgglomerativeClustering(3, distance_threshold=1.0).fit(blobs)
    with pytest.raises(ParameterError, match="exactly one of n_clusters"):
        AgglomerativeClustering(None).fit(blobs)
    with pytest.raises(ParameterError, match="metric='euclidean'"):
        AgglomerativeClustering(3, metric="manhattan").fit(blobs)
    with pytest.raises(ParameterError, match="linkage='centroid'"):
        AgglomerativeClustering(3, linkage="centroid").fit(blobs)
    with pytest.raises(ParameterError, match="n_clusters=601 is larger than n_samples=600"):
        AgglomerativeClustering(601).fit(blobs)
    with pytest.raises(ValueError, match="n_samples = 1"):
        AgglomerativeClustering(1).fit(blobs[:1])
    with pytest.raises(DataError, match="square"):
        AgglomerativeClustering(2, metric="precomputed", linkage="average").fit(blobs)
    D = cdist(blobs[:20], blobs[:20])
    D[0, 1] += 1.0
    with pytest.raises(DataError, match="not symmetric"):
        AgglomerativeClustering(2, metric="precomputed", linkage="average").fit(D)
    X = blobs[:20].copy()
    X[3] = 0
    with pytest.raises(DataError, match=r"all-zero rows \(rows 3\)"):
        AgglomerativeClustering(2, metric="cosine", linkage="average").fit(X)
    with pytest.raises(ParameterError, match="exactly one"):
        cut_linkage(linkage_tree(blobs[:10]))
    with pytest.raises(ParameterError, match=r"\[1, 10\]"):
        cut_linkage(linkage_tree(blobs[:10]), n_clusters=11)


def test_memory_error_says_what_to_do(blobs, monkeypatch):
    def out_of_memory(distances, method):
        raise MemoryError

    monkeypatch.setattr(hierarchical_module, "_linkage_tree", out_of_memory)
    with pytest.raises(MemoryError, match="GiB for the pairwise distances; cluster a subsample"):
        AgglomerativeClustering(3, linkage="average").fit(blobs)
