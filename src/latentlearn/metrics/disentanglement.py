"""Disentanglement metrics: how well each code dimension captures one ground-truth factor.

Five scores from the literature, on codes ``(n_samples, n_latents)`` and known factors
``(n_samples, n_factors)`` (discrete values or indices; each column is mapped to indices
``0..n_values - 1`` with :func:`numpy.unique`):

- :func:`mutual_information_gap` (MIG; Chen et al. 2018, Isolating sources of disentanglement);
- :func:`sap_score` (Separated Attribute Predictability; Kumar et al. 2018);
- :func:`dci` (Disentanglement, Completeness, Informativeness; Eastwood & Williams 2018);
- :func:`beta_vae_score` (Higgins et al. 2017) and :func:`factor_vae_score` (Kim & Mnih 2018),
  which do not take fixed codes but draw factor-conditioned batches from a ground-truth
  *source* and encode them (see :func:`beta_vae_score` for the source protocol;
  :class:`latentlearn.datasets.dsprites.DSpritesFactors` is one for dSprites).

:func:`disentanglement_scores` returns all that apply as the flat dict a run's metrics.json
holds. The definitions follow the reference implementation of Locatello et al. 2019
(disentanglement_lib, ``evaluation/metrics``); each docstring says where ours differs. Written
with numpy and scikit-learn only.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from ..exceptions import DataError, ParameterError
from ._validation import as_samples, check_int, check_same_length

__all__ = [
    "mutual_information_gap",
    "sap_score",
    "dci",
    "dci_from_importance",
    "beta_vae_score",
    "factor_vae_score",
    "disentanglement_scores",
]

_DCI_REGRESSORS = ("gbt", "random_forest", "lasso")
_SAP_CLASSIFIERS = ("tree", "linear_svc")


# --------------------------------------------------------------------------- input checks
def _check_codes_factors(codes, factors, *, min_samples: int = 2):
    """Codes as float64 (n, d); factors as float64 (n, k); same n; every factor varies."""
    if factors is None:
        raise DataError(
            "disentanglement metrics need the ground-truth factors: pass factors of shape "
            "(n_samples, n_factors), e.g. Dataset.factors of make_dsprites(); data without known "
            "factors cannot be scored for disentanglement."
        )
    if codes is None:
        raise DataError("codes is None; pass the codes of shape (n_samples, n_latents).")
    codes = as_samples(codes, "codes", allow_1d=True, min_samples=min_samples)
    factors = as_samples(factors, "factors", allow_1d=True, min_samples=min_samples)
    check_same_length(codes, factors, "codes", "factors")
    for k in range(factors.shape[1]):
        if np.unique(factors[:, k]).size < 2:
            raise DataError(
                f"factor {k} takes one value only ({factors[0, k]!r}) in these samples; every "
                "factor must vary to be scored: drop that column or pass samples where it varies."
            )
    return codes, factors


def _factor_indices(factors: np.ndarray) -> np.ndarray:
    """Each column's values as indices 0..n_values - 1, int64 of shape (n, k)."""
    return np.column_stack(
        [np.unique(factors[:, k], return_inverse=True)[1].ravel() for k in range(factors.shape[1])]
    ).astype(np.int64)


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    return np.random.default_rng(random_state)


def _sub_seed(rng: np.random.Generator) -> int:
    """An int seed for a scikit-learn model, drawn from ``rng``."""
    return int(rng.integers(2**31 - 1))


# --------------------------------------------------------------------------- MIG
def _histogram_discretize(codes: np.ndarray, n_bins: int) -> np.ndarray:
    """Each code dimension cut into ``n_bins`` equal-width bins over its range, (n, d) ints."""
    out = np.empty(codes.shape, dtype=np.int64)
    for j in range(codes.shape[1]):
        edges = np.histogram_bin_edges(codes[:, j], bins=n_bins)
        out[:, j] = np.digitize(codes[:, j], edges[1:-1])  # 0..n_bins - 1, max value included
    return out


def _mutual_info_matrix(binned_codes: np.ndarray, factor_idx: np.ndarray) -> np.ndarray:
    """I(z_j; v_k) in nats, shape (n_latents, n_factors)."""
    d, k = binned_codes.shape[1], factor_idx.shape[1]
    m = np.empty((d, k))
    for j in range(d):
        for f in range(k):
            m[j, f] = mutual_info_score(factor_idx[:, f], binned_codes[:, j])
    return m


def mutual_information_gap(codes, factors, *, n_bins: int = 20) -> float:
    """Mutual information gap (MIG; Chen et al. 2018, Isolating sources of disentanglement).

    .. math::

        \\mathrm{MIG} = \\frac{1}{K} \\sum_k \\frac{I(z_{j^{(k)}}; v_k) - \\max_{j \\ne j^{(k)}}
        I(z_j; v_k)}{H(v_k)}, \\qquad j^{(k)} = \\arg\\max_j I(z_j; v_k).

    Per factor, the gap between the two code dimensions most informative about it, as a share of
    the factor's entropy; averaged over factors. 1: each factor is captured by one dimension
    alone; 0: by none, or equally by two. The mutual information is that of the empirical joint
    distribution (:func:`sklearn.metrics.mutual_info_score`) of the factor and the code binned
    into ``n_bins`` equal-width bins per dimension, as in disentanglement_lib's ``mig.py``
    (``_histogram_discretize``, 20 bins). The same there: the plug-in MI is biased upwards on
    few samples, so noise codes score slightly above 0 unless n_samples >> n_bins * n_values.

    Differences from disentanglement_lib: none in the formula; factors given as values are
    mapped to indices first (which leaves MI and entropy unchanged), and a factor with a single
    value, whose entropy is 0, is an error instead of a division by zero.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Codes (e.g. posterior means) of the samples.
    factors : array-like of shape (n_samples, n_factors)
        Ground-truth factors of the same samples, discrete values or indices.
    n_bins : int, default=20
        Bins per code dimension.

    Returns
    -------
    float
        MIG in [0, 1].
    """
    n_bins = check_int(n_bins, "n_bins", 2)
    codes, factors = _check_codes_factors(codes, factors)
    if codes.shape[1] < 2:
        raise DataError("MIG needs at least 2 code dimensions (it is a gap between the two most "
                        f"informative ones); got codes of shape {codes.shape}.")
    factor_idx = _factor_indices(factors)
    m = _mutual_info_matrix(_histogram_discretize(codes, n_bins), factor_idx)
    entropy = np.array([mutual_info_score(v, v) for v in factor_idx.T])  # H(v_k) = I(v_k; v_k)
    top = np.sort(m, axis=0)[::-1]  # (n_latents, n_factors), largest first
    return float(np.mean((top[0] - top[1]) / entropy))


# --------------------------------------------------------------------------- SAP
def _sap_matrix(codes, factors, *, continuous, classifier, test_size, seed):
    """Score of each code dimension alone for each factor, shape (n_latents, n_factors)."""
    d, k = codes.shape[1], factors.shape[1]
    scores = np.zeros((d, k))
    if continuous:
        for j in range(d):
            for f in range(k):
                cov = np.cov(codes[:, j], factors[:, f], ddof=1)
                if cov[0, 0] > 1e-12 and cov[1, 1] > 1e-12:
                    scores[j, f] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])  # R^2 of a line
        return scores
    y = _factor_indices(factors)
    train, test = train_test_split(np.arange(len(codes)), test_size=test_size, random_state=seed)
    for f in range(k):
        n_classes = int(y[:, f].max()) + 1
        for j in range(d):
            x_train, x_test = codes[train, j:j + 1], codes[test, j:j + 1]
            if classifier == "tree":
                # Thresholds on one axis: enough leaves to give each class an interval.
                model = DecisionTreeClassifier(max_leaf_nodes=max(2, 2 * n_classes),
                                               class_weight="balanced", random_state=seed)
            else:
                model = LinearSVC(C=0.01, class_weight="balanced", random_state=seed)
            if np.unique(y[train, f]).size < 2:
                continue
            model.fit(x_train, y[train, f])
            scores[j, f] = balanced_accuracy_score(y[test, f], model.predict(x_test),
                                                   adjusted=True)
    return np.clip(scores, 0.0, 1.0)


def sap_score(codes, factors, *, continuous: bool = False, classifier: str = "tree",
              test_size: float = 0.3, random_state=0) -> float:
    """Separated Attribute Predictability (SAP; Kumar et al. 2018, Variational inference of
    disentangled latent concepts from unlabeled observations).

    .. math::

        \\mathrm{SAP} = \\frac{1}{K} \\sum_k \\left(S_{(1)k} - S_{(2)k}\\right),

    where ``S_jk`` is how well code dimension ``j`` alone predicts factor ``k`` and
    ``S_(1)k >= S_(2)k`` are its two largest values over ``j``. For continuous factors
    ``S_jk`` is the R^2 of a straight-line fit, ``cov(z_j, v_k)^2 / (var z_j var v_k)``; for
    discrete factors the balanced accuracy, on a held-out ``test_size`` share, of a classifier
    that sees ``z_j`` only. 1: every factor is predicted by one dimension and by no other.

    Differences from disentanglement_lib (``sap_score.py``), which takes a one-dimensional
    ``LinearSVC(C=0.01, class_weight="balanced")`` and plain accuracy on separately drawn
    test points: (1) ours uses by default ``classifier="tree"``, a decision tree on the one
    dimension (axis thresholds, ``2 n_values`` leaves), because a one-vs-rest linear rule on one
    axis can only separate the outermost values of a factor with many values (posX in dSprites
    has 32), so even a perfect code scored low; ``classifier="linear_svc"`` is theirs. (2) The
    accuracy is balanced and adjusted for chance (``balanced_accuracy_score(adjusted=True)``,
    clipped at 0), so a dimension that carries nothing scores 0 whatever the number of values
    and a perfect code scores near 1; theirs leaves the 1/n_values chance level in. (3) The
    held-out part is a split of the given samples. The continuous branch is theirs.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
    factors : array-like of shape (n_samples, n_factors)
        Discrete values or indices (``continuous=False``) or real values (``continuous=True``).
    continuous : bool, default=False
        Score with R^2 instead of a classifier.
    classifier : {"tree", "linear_svc"}, default="tree"
        One-dimensional classifier for discrete factors.
    test_size : float, default=0.3
        Share of the samples held out to score the classifiers.
    random_state : int, numpy Generator or None, default=0
        Draws the split.

    Returns
    -------
    float
        SAP in [0, 1].
    """
    if classifier not in _SAP_CLASSIFIERS:
        raise ParameterError(f"classifier must be one of {_SAP_CLASSIFIERS}; got {classifier!r}.")
    if not 0.0 < float(test_size) < 1.0:
        raise ParameterError(f"test_size must lie in (0, 1); got {test_size!r}.")
    codes, factors = _check_codes_factors(codes, factors, min_samples=4)
    if codes.shape[1] < 2:
        raise DataError("SAP needs at least 2 code dimensions (it is a gap between the two best "
                        f"predictors); got codes of shape {codes.shape}.")
    seed = _sub_seed(_rng(random_state))
    scores = _sap_matrix(codes, factors, continuous=bool(continuous), classifier=classifier,
                         test_size=float(test_size), seed=seed)
    top = np.sort(scores, axis=0)[::-1]
    return float(np.mean(top[0] - top[1]))


# --------------------------------------------------------------------------- DCI
def dci_from_importance(importance) -> dict:
    """Disentanglement and completeness of an importance matrix (Eastwood & Williams 2018).

    With ``P_jk = R_jk / sum_k R_jk`` (row j: how dimension j's importance spreads over the
    ``K`` factors) and ``P~_jk = R_jk / sum_j R_jk`` (column k: how factor k is spread over the
    ``D`` dimensions)::

        disentanglement = sum_j rho_j (1 - H_K(P_j.)),   rho_j = sum_k R_jk / sum_jk R_jk
        completeness    = sum_k rho~_k (1 - H_D(P~_.k)), rho~_k = sum_j R_jk / sum_jk R_jk

    with entropies in base K and D (so each term lies in [0, 1]). When every column of ``R``
    sums to the same value (as :func:`dci` makes it), ``rho~_k = 1/K`` and completeness is the
    plain mean over factors. As in disentanglement_lib, 1e-11 is added inside the entropies and
    an all-zero matrix counts as uniform.

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_factors)
        Non-negative importance of each code dimension for predicting each factor.

    Returns
    -------
    dict
        ``{"disentanglement": float, "completeness": float}``.
    """
    R = np.abs(as_samples(importance, "importance"))
    d, k = R.shape
    if R.sum() == 0:
        R = np.ones_like(R)
    per_code = 1.0 - stats.entropy(R.T + 1e-11, base=k) if k > 1 else np.ones(d)
    per_factor = 1.0 - stats.entropy(R + 1e-11, base=d) if d > 1 else np.ones(k)
    rho = R.sum(axis=1) / R.sum()
    rho_f = R.sum(axis=0) / R.sum()
    return {"disentanglement": float(np.sum(rho * per_code)),
            "completeness": float(np.sum(rho_f * per_factor))}


def _importance(codes, y, *, regressor, n_estimators, seed):
    """Importance matrix (n_latents, n_factors), each column summing to 1, and accuracies."""
    d, k = codes.shape[1], y.shape[1]
    train, test = train_test_split(np.arange(len(codes)), test_size=0.25, random_state=seed)
    R = np.zeros((d, k))
    acc_train, acc_test = [], []
    scaler = StandardScaler().fit(codes[train])
    x_train, x_test = scaler.transform(codes[train]), scaler.transform(codes[test])
    for f in range(k):
        if regressor == "gbt":
            model = GradientBoostingClassifier(n_estimators=n_estimators, max_depth=3,
                                               random_state=seed)
        elif regressor == "random_forest":
            model = RandomForestClassifier(n_estimators=n_estimators, random_state=seed)
        else:
            model = LogisticRegression(l1_ratio=1.0, C=0.1, solver="saga", max_iter=2000,
                                       random_state=seed)
        model.fit(x_train, y[train, f])
        if regressor == "lasso":
            weights = np.abs(model.coef_).sum(axis=0)  # (n_latents,)
        else:
            weights = np.abs(model.feature_importances_)
        total = weights.sum()
        R[:, f] = weights / total if total > 0 else 1.0 / d
        acc_train.append(np.mean(model.predict(x_train) == y[train, f]))
        acc_test.append(np.mean(model.predict(x_test) == y[test, f]))
    return R, float(np.mean(acc_train)), float(np.mean(acc_test))


def dci(codes, factors, *, regressor: str = "gbt", n_estimators: int = 20,
        random_state=0) -> dict:
    """Disentanglement, completeness and informativeness (DCI; Eastwood & Williams 2018,
    A framework for the quantitative evaluation of disentangled representations).

    One model per factor predicts the factor from all code dimensions; its feature importances
    fill column k of the importance matrix ``R`` (n_latents x n_factors), which
    :func:`dci_from_importance` turns into:

    - disentanglement ``sum_j rho_j (1 - H_K(P_j.))``: each dimension matters for one factor;
    - completeness ``mean_k (1 - H_D(P~_.k))``: each factor is carried by one dimension;
    - informativeness: the mean over factors of the predictors' accuracy on a held-out quarter
      of the samples (higher is better; Eastwood & Williams report a prediction error, i.e. one
      minus this).

    Differences from disentanglement_lib (``dci.py``): it fits scikit-learn's
    ``GradientBoostingClassifier`` with its defaults (100 trees) on separately drawn train and
    test points; ours fits ``n_estimators=20`` trees of depth 3 by default, for speed (raise it
    for the literature's setting), on standardised codes, with a 75/25 split of the given
    samples. Each column of ``R`` is normalised to sum 1 (gradient-boosted importances already
    do), so every factor weighs the same in completeness. ``regressor="random_forest"`` (as in
    the paper) and ``"lasso"`` (an L1-penalised logistic regression, importances the absolute
    coefficients summed over classes) are offered besides.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
    factors : array-like of shape (n_samples, n_factors)
        Discrete values or indices.
    regressor : {"gbt", "random_forest", "lasso"}, default="gbt"
        Predictor whose importances fill ``R``.
    n_estimators : int, default=20
        Trees per factor (gbt and random_forest).
    random_state : int, numpy Generator or None, default=0
        Draws the split and seeds the models.

    Returns
    -------
    dict
        ``{"disentanglement", "completeness", "informativeness"}``, floats in [0, 1], plus
        ``"importance"``, the matrix ``R`` (ndarray of shape (n_latents, n_factors)).
    """
    if regressor not in _DCI_REGRESSORS:
        raise ParameterError(f"regressor must be one of {_DCI_REGRESSORS}; got {regressor!r}.")
    n_estimators = check_int(n_estimators, "n_estimators", 1)
    codes, factors = _check_codes_factors(codes, factors, min_samples=8)
    y = _factor_indices(factors)
    R, _, acc_test = _importance(codes, y, regressor=regressor, n_estimators=n_estimators,
                                 seed=_sub_seed(_rng(random_state)))
    out = dci_from_importance(R)
    out["informativeness"] = acc_test
    out["importance"] = R
    return out


# --------------------------------------------------------------------------- sampled scores
def _check_source(source):
    missing = [a for a in ("factor_sizes", "sample_factors", "render") if not hasattr(source, a)]
    if source is None or missing:
        raise ParameterError(
            "source must be a ground-truth factor source with factor_sizes, "
            "sample_factors(n, rng) and render(factor_indices), e.g. "
            "latentlearn.datasets.dsprites.DSpritesFactors(); "
            + ("got None." if source is None else f"it lacks {', '.join(missing)}.")
        )
    sizes = tuple(int(s) for s in source.factor_sizes)
    if len(sizes) < 2 or min(sizes) < 2:
        raise DataError(f"the source's factor_sizes {sizes} must list at least 2 factors, each "
                        "with at least 2 values.")
    return sizes


def _encode(encode, source, factor_idx: np.ndarray) -> np.ndarray:
    codes = np.asarray(encode(source.render(factor_idx)), dtype=np.float64)
    if codes.ndim == 1:
        codes = codes[:, None]
    if codes.ndim != 2 or len(codes) != len(factor_idx):
        raise DataError(f"encode must return codes of shape (n, n_latents) for n={len(factor_idx)}"
                        f" inputs; got shape {codes.shape}.")
    if not np.all(np.isfinite(codes)):
        raise DataError("encode returned NaN or infinite codes.")
    return codes


def _chunks(n_points: int, batch_size: int, budget: int = 8192):
    """Split ``n_points`` batches into chunks of about ``budget`` rendered inputs each."""
    per = max(1, budget // batch_size)
    for start in range(0, n_points, per):
        yield min(per, n_points - start)


def _beta_vae_features(encode, source, sizes, n_points, batch_size, rng):
    """(n_points, n_latents) mean |z1 - z2| over pairs sharing one factor, and that factor."""
    k = len(sizes)
    feats, labels = [], []
    for m in _chunks(n_points, 2 * batch_size):
        fixed = rng.integers(k, size=m)  # (m,)
        f1 = np.asarray(source.sample_factors(m * batch_size, rng)).reshape(m, batch_size, k)
        f2 = np.asarray(source.sample_factors(m * batch_size, rng)).reshape(m, batch_size, k)
        f2[np.arange(m), :, fixed] = f1[np.arange(m), :, fixed]
        both = np.concatenate([f1.reshape(-1, k), f2.reshape(-1, k)])
        z = _encode(encode, source, both)
        z1, z2 = z[:m * batch_size], z[m * batch_size:]
        feats.append(np.abs(z1 - z2).reshape(m, batch_size, -1).mean(axis=1))
        labels.append(fixed)
    return np.concatenate(feats), np.concatenate(labels)


def _check_sampled(encode, source, batch_size, n_train, n_eval):
    """The inputs both sampled scores share: ``(factor sizes, batch_size, n_train, n_eval)``."""
    if not callable(encode):
        raise ParameterError("encode must be a callable X -> codes, e.g. vae.transform; "
                             f"got {type(encode).__name__}.")
    return (_check_source(source), *_check_sampling(batch_size, n_train, n_eval))


def _check_sampling(batch_size, n_train, n_eval):
    return (check_int(batch_size, "batch_size", 2), check_int(n_train, "n_train", 1),
            check_int(n_eval, "n_eval", 1))


def beta_vae_score(encode, source, *, batch_size: int = 64, n_train: int = 10_000,
                   n_eval: int = 5_000, random_state=None) -> float:
    """beta-VAE score (Higgins et al. 2017, beta-VAE: learning basic visual concepts with a
    constrained variational framework).

    Each of ``n_train + n_eval`` points: pick a factor ``k`` uniformly, draw ``batch_size``
    pairs of factor settings that agree on factor ``k`` only by construction, encode both
    inputs of each pair and average ``|z1 - z2|`` over the pairs. A linear classifier
    (multinomial logistic regression) learns ``k`` from that vector on the ``n_train`` points;
    the score is its accuracy on the ``n_eval`` others. 1: the fixed factor always shows as the
    dimension that did not move; chance is ``1 / n_factors``.

    The source protocol (shared with :func:`factor_vae_score`): an object with
    ``factor_sizes`` (values per factor), ``sample_factors(n, rng) -> (n, n_factors)`` int
    indices (``rng`` a numpy Generator) and ``render(factor_indices) -> X (n, n_features)``.

    Differences from disentanglement_lib (``beta_vae.py``): none in the procedure or the
    defaults (batch 64, 10,000 train and 5,000 eval points, ``LogisticRegression`` with
    scikit-learn's defaults); we return the eval accuracy only (they also report the train
    accuracy), and render and encode many batches at once.

    Parameters
    ----------
    encode : callable
        ``X (n, n_features) -> codes (n, n_latents)``, e.g. ``vae.transform``.
    source : object
        Ground-truth factor source, e.g. :class:`latentlearn.datasets.dsprites.DSpritesFactors`.
    batch_size : int, default=64
        Pairs averaged per point.
    n_train, n_eval : int, default=10000, 5000
        Points to train and to score the classifier.
    random_state : int, numpy Generator or None, default=None
        Draws the factors and seeds the classifier.

    Returns
    -------
    float
        Eval accuracy in [0, 1].
    """
    sizes, batch_size, n_train, n_eval = _check_sampled(encode, source, batch_size, n_train,
                                                        n_eval)
    rng = _rng(random_state)
    x_train, y_train = _beta_vae_features(encode, source, sizes, n_train, batch_size, rng)
    x_eval, y_eval = _beta_vae_features(encode, source, sizes, n_eval, batch_size, rng)
    if np.unique(y_train).size < 2:
        raise DataError(f"n_train={n_train} points drew one factor only; raise n_train.")
    model = LogisticRegression(max_iter=1000, random_state=_sub_seed(rng))
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_eval) == y_eval))


def _factor_vae_votes(encode, source, sizes, n_points, batch_size, rng, scale, active):
    """(n_factors, n_active) counts: fixed factor vs dimension of least normalised variance."""
    k = len(sizes)
    votes = np.zeros((k, int(active.sum())), dtype=np.int64)
    for m in _chunks(n_points, batch_size):
        fixed = rng.integers(k, size=m)
        f = np.asarray(source.sample_factors(m * batch_size, rng)).reshape(m, batch_size, k)
        f[np.arange(m), :, fixed] = f[np.arange(m), 0, fixed][:, None]
        z = _encode(encode, source, f.reshape(-1, k)).reshape(m, batch_size, -1)
        local = np.var(z[:, :, active] / scale[active], axis=1, ddof=1)  # (m, n_active)
        np.add.at(votes, (fixed, np.argmin(local, axis=1)), 1)
    return votes


def factor_vae_score(encode, source, *, batch_size: int = 64, n_train: int = 10_000,
                     n_eval: int = 5_000, n_variance_estimate: int = 10_000,
                     random_state=None) -> float:
    """FactorVAE score (Kim & Mnih 2018, Disentangling by factorising).

    Each code dimension is divided by its standard deviation over ``n_variance_estimate``
    random inputs; dimensions whose standard deviation is below 0.05 (collapsed to the prior
    mean) are dropped. Each point: fix one factor ``k`` at a random value, draw ``batch_size``
    inputs with the other factors random, and vote for the pair (``k``, the active dimension
    of least normalised variance). The classifier maps each dimension to the factor with most
    training votes; the score is the share of the ``n_eval`` evaluation votes it gets right.
    1: fixing a factor always stills one dimension that is its own; chance is
    ``1 / n_factors``. If every dimension collapsed the score is 0.

    The source protocol is that of :func:`beta_vae_score`.

    Differences from disentanglement_lib (``factor_vae.py``): none in the procedure, the
    0.05 threshold (on the standard deviation, as theirs) or the defaults; we return the eval
    accuracy only.

    Parameters
    ----------
    encode : callable
        ``X (n, n_features) -> codes (n, n_latents)``.
    source : object
        Ground-truth factor source.
    batch_size : int, default=64
        Inputs per point.
    n_train, n_eval : int, default=10000, 5000
        Points for the majority vote and for the score.
    n_variance_estimate : int, default=10000
        Random inputs that estimate each dimension's global variance.
    random_state : int, numpy Generator or None, default=None
        Draws the factors.

    Returns
    -------
    float
        Eval accuracy in [0, 1].
    """
    sizes, batch_size, n_train, n_eval = _check_sampled(encode, source, batch_size, n_train,
                                                        n_eval)
    n_variance_estimate = check_int(n_variance_estimate, "n_variance_estimate", 2)
    rng = _rng(random_state)
    z = np.concatenate([_encode(encode, source, source.sample_factors(m, rng))
                        for m in _chunks(n_variance_estimate, 1)])
    scale = np.std(z, axis=0, ddof=1)
    active = scale >= 0.05
    if not active.any():
        return 0.0
    train = _factor_vae_votes(encode, source, sizes, n_train, batch_size, rng, scale, active)
    classifier = np.argmax(train, axis=0)  # factor of each active dimension
    evals = _factor_vae_votes(encode, source, sizes, n_eval, batch_size, rng, scale, active)
    return float(evals[classifier, np.arange(evals.shape[1])].sum() / evals.sum())


# --------------------------------------------------------------------------- all of them
def disentanglement_scores(codes, factors, *, encode=None, source=None, random_state=0,
                           n_train: int = 10_000, n_eval: int = 5_000) -> dict:
    """Every disentanglement score that applies, as a flat ``{name: float}`` dict.

    Always ``mig`` (:func:`mutual_information_gap`), ``sap`` (:func:`sap_score`),
    ``dci_disentanglement``, ``dci_completeness`` and ``dci_informativeness`` (:func:`dci`)
    from ``codes`` and ``factors``; with an ``encode`` callable and a factor ``source`` also
    ``beta_vae_score`` and ``factor_vae_score`` (:func:`beta_vae_score`,
    :func:`factor_vae_score`, with ``n_train`` / ``n_eval`` points).

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
    factors : array-like of shape (n_samples, n_factors)
        Discrete values or indices.
    encode : callable, optional
        ``X -> codes`` for the two sampled scores.
    source : object, optional
        Ground-truth factor source for the two sampled scores.
    random_state : int, numpy Generator or None, default=0
    n_train, n_eval : int, default=10000, 5000

    Returns
    -------
    dict
    """
    if (encode is None) != (source is None):
        raise ParameterError("the beta-VAE and FactorVAE scores need both encode and source; "
                             "pass both, or neither to skip those two scores.")
    codes, factors = _check_codes_factors(codes, factors, min_samples=8)
    rng = _rng(random_state)
    out = {"mig": mutual_information_gap(codes, factors),
           "sap": sap_score(codes, factors, random_state=_sub_seed(rng))}
    d = dci(codes, factors, random_state=_sub_seed(rng))
    out["dci_disentanglement"] = d["disentanglement"]
    out["dci_completeness"] = d["completeness"]
    out["dci_informativeness"] = d["informativeness"]
    if encode is not None:
        out["beta_vae_score"] = beta_vae_score(encode, source, n_train=n_train, n_eval=n_eval,
                                               random_state=_sub_seed(rng))
        out["factor_vae_score"] = factor_vae_score(encode, source, n_train=n_train,
                                                   n_eval=n_eval, random_state=_sub_seed(rng))
    return out

