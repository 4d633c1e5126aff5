"""Estimators ``SNE`` and ``TSNE``: the four layers put together.

``fit`` is affinities (:mod:`.affinities`), an initial map (:mod:`.initialization`), an
:class:`~.objectives.Objective` (exact, Barnes-Hut or FFT-interpolated) and the optimizer
(:func:`.optimizer.optimize`), run over two phases: early exaggeration, then the main phase.

Defaults follow scikit-learn's TSNE (which follows van der Maaten & Hinton 2008): perplexity 30,
early exaggeration 12 for 250 iterations at momentum 0.5, then momentum 0.8 (1000 iterations in
all), per-coordinate gains (+0.2 / x0.8, at least 0.01), PCA initialisation scaled to standard
deviation 1e-4. The learning rate ``"auto"`` is openTSNE's: ``n / exaggeration`` in each phase
(Belkina et al. 2019; Linderman & Steinerberger 2019 show ``n / early_exaggeration`` is the
largest stable step while exaggerating), divided by 4 because this gradient keeps the factor 4
of ``dC/dy`` as scikit-learn's does, and at least 50. scikit-learn keeps the early phase's
``n / 48`` for the main phase too; its 12 times smaller main-phase step leaves the map less
converged after the same 1000 iterations (mnist5k, Barnes-Hut: final KL 1.434 with
scikit-learn's rule, 1.407 with this one, 1.408 for openTSNE). Pass a number to use one step
in both phases (scikit-learn's ``max(n / 48, 50)`` reproduces it).

``transform(X_new)`` places new points against the fixed reference embedding (openTSNE's
``TSNEEmbedding.transform``, Policar et al. 2024): each new point gets conditional affinities
``p_{j|i}`` to its nearest reference points (perplexity ``transform_perplexity``), starts at the
median of its nearest reference neighbours, and only the new points move, each minimising
``KL(P_i || Q_i)`` with ``q_{j|i}`` normalised over the reference points. The new points do not
interact, so the result for one point does not depend on the others in the batch. It is one
more objective (:class:`~.objectives.NewPointObjective`) run by the same optimizer, so the
callback and its clean stop work there as in ``fit``.
"""

from __future__ import annotations

import logging
import time
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted, check_random_state
from ..neighbors.distances import check_input, check_metric, is_precomputed, takes_sparse
from ..registry import register
from . import affinities as _aff
from .initialization import mds_init, pca_init, random_init
from .objectives import ExactObjective, NewPointObjective, new_point_gradient  # noqa: F401
from .optimizer import Phase, optimize

__all__ = ["SNE", "TSNE"]

logger = logging.getLogger(__name__)

#: Largest n for which the exact method may build its n x n matrices (numpy / numba on the CPU,
#: dense P). Above it the exact gradient runs only on a torch device, by blocks of rows, with
#: the sparse nearest-neighbour P of Barnes-Hut and FFT: no n x n matrix anywhere.
EXACT_HARD_LIMIT = 10_000
#: ``method="auto"``: exact below this many points (all-pairs P, the exact objective; measured
#: on digits, 1000 iterations: 0.7 s at 250 points, 2.3 s at 500, 9.5 s at 1,000, against
#: 0.6 / 1.1 / 2.5 s for Barnes-Hut), Barnes-Hut from here ...
EXACT_AUTO_BELOW = 500
#: ... and FFT interpolation from here. Measured with ``benchmarks/bench_tsne.py`` (2 cores,
#: 1000 iterations): Barnes-Hut / FFT 10.9 / 25.9 s on mnist5k, 23.3 / 22.0 s on 10,000
#: synthetic points, 38.9 / 29.7 s at 14,000, 47.8 / 38.2 s at 20,000, 248 / 138 s at 70,000.
FFT_AUTO_FROM = 10_000

_COMMON_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None)],
    # (0, inf) as scikit-learn's TSNE; below 1 is refused after X is validated, with the reason.
    "perplexity": [Interval(Real, 0, None, closed="neither"), Options({"auto"})],
    "early_exaggeration": [Interval(Real, 1, None)],
    "early_exaggeration_iter": [Interval(Integral, 0, None)],
    "n_iter": [Interval(Integral, 0, None)],
    "learning_rate": [Interval(Real, 0, None, closed="neither"), Options({"auto"})],
    "metric": [str, "callable"],
    "init": [Options({"pca", "random"}), "array-like"],
    "min_gain": [Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
    "callback": [None, "callable"],
    "callback_every": [Interval(Integral, 1, None)],
    "n_jobs": N_JOBS_CONSTRAINT,
    "verbose": ["boolean"],
}


class _StageClock:
    """Logs the time since the last stage, at INFO when ``verbose`` (openTSNE's ``verbose``
    timings), at DEBUG otherwise."""

    def __init__(self, verbose):
        self.level = logging.INFO if verbose else logging.DEBUG
        self.last = time.perf_counter()

    def stage(self, message, *args):
        now = time.perf_counter()
        logger.log(self.level, "t-SNE " + message + " in %.2f s", *args, now - self.last)
        self.last = now

    def phase_done(self, phase, state):
        kl = state.history[-1]["kl"] if state.history else float("nan")
        self.stage("%s phase, %d iterations (KL %.4g at iteration %d),", phase.name,
                   phase.n_iter, kl, state.iteration)


def _resolve_device(device):
    if device == "cpu":
        return None
    from .._optional import is_available, require

    if device == "auto" and not is_available("torch"):
        return None  # without the neural extra, "auto" is the CPU
    torch = require("torch", extra="neural", what=f"t-SNE on device={device!r}")

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else None
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but torch sees no CUDA GPU; use device='auto' or 'cpu'.")
    return device


class _BaseSNE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Shared fit / transform of SNE and TSNE; subclasses say which affinities and objective."""

    _accepts_sparse = True   # CSR rows, for the metrics neighbors.distances searches on

    def _initial_embedding(self, X, rng):
        n = X.shape[0]
        if isinstance(self.init, str):
            if self.init == "pca" and is_precomputed(self.metric):
                if not sparse.issparse(X):
                    # Classical MDS of D: the PCA scores when D is Euclidean (Torgerson 1952).
                    return mds_init(X, self.n_components, rng)
                warnings.warn(
                    f"{type(self).__name__}: init='pca' needs the data or a dense distance "
                    "matrix; a sparse precomputed graph starts from init='random' (pass it, or "
                    "an array, to silence this warning).", UserWarning, stacklevel=3)
            elif self.init == "pca":
                return pca_init(X, self.n_components, rng)
            return random_init(n, self.n_components, rng)
        Y = np.array(self.init, dtype=np.float64)  # a copy: the user's array is not moved
        if Y.shape != (n, self.n_components):
            raise ValueError(f"init has shape {Y.shape}; an initial embedding must have shape "
                             f"(n_samples, n_components) = ({n}, {self.n_components}).")
        return Y

    #: Whether a sparse precomputed kNN graph is possible (nearest-neighbour affinities).
    _takes_sparse_graph = True

    def _validate_input(self, X):
        """``X`` (dense, CSR, or precomputed distances) as float64, checked for ``metric``."""
        whom = type(self).__name__
        check_metric(self.metric, whom=whom)
        X = self._validate_X(X, min_samples=3, accept_sparse="csr")
        X = X.astype(np.float64) if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
        if is_precomputed(self.metric):
            need = None
            if sparse.issparse(X):
                n = X.shape[0]
                perplexity = (min(30.0, max(1.0, (n - 1) / 3.0)) if self.perplexity == "auto"
                              else float(self.perplexity))
                need = min(n - 1, int(3 * perplexity))
            X = check_input(X, self.metric, whom=f"{whom}(metric='precomputed')",
                            min_neighbors=need, allow_sparse=self._takes_sparse_graph,
                            neighbors_reason=f"perplexity={self.perplexity!r} (floor(3 * "
                            f"perplexity) nearest neighbours)")
        return X

    def _check_common(self, X):
        n = X.shape[0]
        if self.perplexity == "auto":
            # The conventional 30, lowered for small data as openTSNE does ((n - 1) / 3);
            # a perplexity given as a number is never changed: too large is an error.
            self.perplexity_ = float(min(30.0, max(1.0, (n - 1) / 3.0)))
        else:
            self.perplexity_ = float(self.perplexity)
        _aff.check_perplexity(self.perplexity_, n, neighbors=self._uses_neighbors(n))

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit the embedding and return it.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
            Or, with ``metric="precomputed"``, a dense ``(n, n)`` distance matrix or a sparse
            kNN distance graph.
        y : ignored

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
        """
        self._check_parameters()
        X64 = self._validate_input(X)
        self._check_common(X64)
        rng = check_random_state(self.random_state)
        clock = _StageClock(self.verbose)
        P = self._affinities(X64, rng)
        clock.stage("affinities (perplexity %.4g) of %d points", self.perplexity_, X64.shape[0])
        Y0 = self._initial_embedding(X64, rng)
        objective = self._objective(P)
        clock.stage("initialization (%s)", self.init if isinstance(self.init, str) else "given")
        early_lr, main_lr = self._learning_rate(X64.shape[0])
        lr = early_lr, main_lr
        phases = [Phase(self.early_exaggeration_iter, early_lr, momentum=0.5,
                        exaggeration=self.early_exaggeration, name="early_exaggeration"),
                  Phase(self.n_iter, main_lr, momentum=0.8,
                        exaggeration=self._main_exaggeration(), name="main")]
        Y, state = optimize(objective, Y0, phases, min_gain=self.min_gain,
                            callback=self.callback, callback_every=self.callback_every,
                            phase_done=clock.phase_done)
        self.embedding_ = Y
        self.kl_divergence_ = objective.kl_divergence(Y)
        self.kl_history_ = [{"iteration": r["iteration"], "kl": r["kl"]} for r in state.history]
        self.n_iter_ = state.iteration
        self.early_learning_rate_, self.learning_rate_ = lr
        # transform() searches the training points; precomputed distances keep none.
        self._X_fit = None if is_precomputed(self.metric) else X64
        return Y

    def _main_exaggeration(self):
        return 1.0

    def fit(self, X, y=None):
        """Fit the embedding (see :meth:`fit_transform`); returns self."""
        self.fit_transform(X)
        return self

    # -- new points ----------------------------------------------------------------------------

    @limit_threads
    def transform(self, X):
        """Place new points against the fixed reference embedding (openTSNE style).

        Only the new points move; they do not interact, so a point's place does not depend
        on the rest of the batch. A new point identical to a training point (distance 0) is
        put where that training point is, so ``transform(X_train)`` equals ``embedding_``.
        The optimizer is that of ``fit`` (one phase, momentum 0.8, step 0.5, 250 iterations):
        ``callback`` is called as in ``fit``, with ``phase="transform"`` and the new points as
        ``logs["embedding"]``; returning True stops and returns the partial placement.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_new, n_features)

        Returns
        -------
        Y_new : ndarray of shape (n_new, n_components)
        """
        check_is_fitted(self)
        if is_precomputed(self.metric):
            raise ValueError(
                f"{type(self).__name__}.transform needs the training data, which "
                "metric='precomputed' does not keep; fit on the data with a metric name to "
                "place new points.")
        X = self._validate_X(X, reset=False, accept_sparse="csr")
        X = X.astype(np.float64) if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
        return _place_new_points(self._X_fit, self.embedding_, X,
                                 perplexity=self.transform_perplexity,
                                 kernel=self._transform_kernel(), callback=self.callback,
                                 callback_every=self.callback_every, metric=self.metric)

    def _transform_kernel(self):
        return "t", float(self.dof)

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        tags.input_tags.pairwise = is_precomputed(self.metric)
        tags.input_tags.sparse = takes_sparse(self.metric) and (
            self._takes_sparse_graph or not is_precomputed(self.metric))
        return tags


#: transform(): openTSNE's optimisation of new points (one phase, no exaggeration).
TRANSFORM_PHASE = Phase(n_iter=250, learning_rate=0.5, momentum=0.8, name="transform")


def _place_new_points(X_ref, Y_ref, X_new, *, perplexity, kernel, phase=TRANSFORM_PHASE,
                      callback=None, callback_every=50, metric="euclidean"):
    """Optimise only the new points: ``min_y KL(P_i || Q_i)`` against fixed reference points
    (:class:`~.objectives.NewPointObjective`), ``p_{j|i}`` over the ``floor(3 * perplexity)``
    nearest reference points, by the optimizer of ``fit``.
    """
    kind, dof = kernel
    from sklearn.neighbors import NearestNeighbors

    n_ref = X_ref.shape[0]
    k = max(1, min(n_ref, int(3 * perplexity)))
    perplexity = min(perplexity, k)  # a batch of new points cannot ask for more than exists
    dist, ind = NearestNeighbors(n_neighbors=k, metric=metric).fit(X_ref).kneighbors(X_new)
    if k == 1:
        Pc = np.ones((X_new.shape[0], 1))
    else:
        Pc, _ = _aff.binary_search_perplexity(dist**2, min(perplexity, k - 1e-3))
    objective = NewPointObjective(Y_ref, ind, Pc, kernel=kind, dof=dof)
    Y0 = np.median(objective.Y_ref[ind[:, :min(k, 10)]], axis=1)  # (m, n_components)
    Y, _ = optimize(objective, Y0, [phase], callback=callback, callback_every=callback_every)
    # A new point equal to a reference point has that point's affinities: it goes where
    # that point is, so transform(X_fit) returns embedding_ (as fit_transform).
    # (To rounding: a cosine or correlation distance of a point to itself can be 1e-16.)
    twin = dist[:, 0] <= 1e-12 * float(dist.max(initial=0.0))
    Y[twin] = objective.Y_ref[ind[twin, 0]]
    return Y


@register("tsne", family="sne")
class TSNE(_BaseSNE):
    """t-distributed stochastic neighbour embedding, with ``dof`` degrees of freedom.

    Input affinities ``p_ij = (p_{j|i} + p_{i|j}) / 2n`` with Gaussian ``p_{j|i}`` calibrated to
    ``perplexity``; output affinities ``q_ij`` proportional to
    ``(1 + ||y_i - y_j||^2 / dof)^(-(dof + 1) / 2)`` (a Student t, van der Maaten 2009; dof = 1
    is t-SNE, van der Maaten & Hinton 2008; large dof approaches symmetric SNE); minimises
    ``KL(P || Q)``.

    Parameters
    ----------
    n_components : int, default=2
    perplexity : float or "auto", default="auto"
        Effective number of neighbours. A number must be < n_samples - 1 (exact method) and
        3 * perplexity < n_samples (nearest-neighbour affinities, for Barnes-Hut and FFT);
        a larger one is an error, never silently lowered. ``"auto"`` is the conventional 30,
        lowered to ``(n_samples - 1) / 3`` (at least 1) for fewer than 91 samples, as openTSNE
        does; the value used is ``perplexity_``.
    metric : str or callable, default="euclidean"
        Distance ``d_ij`` of the input kernel ``exp(-d_ij^2 / (2 sigma_i^2))``: any metric of
        scipy or scikit-learn (``"cosine"``, ``"manhattan"``, ``"correlation"``, ...), a
        callable ``f(u, v) -> float``, or ``"precomputed"``: ``X`` is a dense ``(n, n)``
        distance matrix, or a sparse kNN distance graph (as
        ``sklearn.neighbors.kneighbors_graph(X, k, mode="distance")`` makes) with at least
        ``floor(3 * perplexity)`` neighbours in every row. Precomputed distances need not be
        symmetric (P is symmetrised); ``init="pca"`` then becomes classical MDS of a dense D
        (the PCA scores, up to signs, when D is Euclidean) or random for a sparse graph, and
        :meth:`transform` is not possible. ``X`` may be a CSR matrix (exact neighbours for
        the Euclidean, cosine and Manhattan metrics; pynndescent for its own metrics).
    dof : float, default=1.0
        Degrees of freedom of the output Student t kernel.
    early_exaggeration : float, default=12.0
    early_exaggeration_iter : int, default=250
    exaggeration : float or None, default=None
        Exaggeration of the main phase (openTSNE's parameter): None or 1 is plain t-SNE; values
        above 1 (e.g. 4) pull clusters tighter and show more of the global structure of large
        data sets (Kobak & Berens 2019; Böhm et al. 2022). The KL reported is always that of
        the true P.
    n_iter : int, default=750
        Iterations of the main phase (after early exaggeration).
    learning_rate : float or "auto", default="auto"
        ``"auto"``: ``max(n_samples / early_exaggeration / 4, 50)`` during early exaggeration
        and ``max(n_samples / exaggeration / 4, 50)`` after (``n / exaggeration`` per phase, as openTSNE; the
        4 is the factor this gradient keeps). A number is used in both phases.
    init : {"pca", "random"} or array of shape (n_samples, n_components), default="pca"
    method : {"auto", "exact", "barnes_hut", "fft"}, default="auto"
        Gradient: exact O(n^2) (dense P over all pairs, at most 10,000 points on the CPU;
        above, on a torch device only, with the sparse P of the nearest neighbours), Barnes-Hut
        or FFT-accelerated interpolation (sparse P over the 3 * perplexity nearest
        neighbours; 2-D maps only). ``"auto"``: exact below 500 points (or when
        ``n_components != 2``), Barnes-Hut below 10,000, FFT above (see the benchmark).
    angle : float, default=0.5
        Barnes-Hut opening angle (theta): a cell is summarised when width / distance < angle.
    neighbors : {"auto", "exact", "approx"}, default="auto"
        Nearest-neighbour search for the sparse affinities: scikit-learn's exact search or
        pynndescent; ``"auto"`` is exact below 100,000 points.
    min_gain : float, default=0.01
    device : {"auto", "cpu", "cuda"}, default="auto"
        ``"auto"`` runs the exact method with torch on a CUDA GPU when one is present (the
        CPU when torch is not installed; ``"cuda"`` needs ``pip install 'latentlearn[neural]'``).
        In torch the exact gradient goes by blocks of rows (two passes: the normaliser ``Z``,
        then the gradient), so it needs no n x n matrix and runs beyond 10,000 points, there
        with the sparse nearest-neighbour P (van der Maaten 2014).
    transform_perplexity : float, default=5.0
        Perplexity of new points' affinities in :meth:`transform` (openTSNE's default).
    n_jobs : int or None, default=None
        Threads of the numba gradients, the neighbour search and BLAS during ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults
        (``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``), 1 is one thread, -1 all cores.
    random_state : None, int or RandomState, default=None
    callback : callable ``callback(event, logs) -> bool``, optional
        Called every ``callback_every`` iterations (and at the end of each phase) with
        ``event="iteration"`` and ``logs = {"iteration", "kl", "phase", "embedding"}``, in
        ``fit`` (phases ``"early_exaggeration"``, ``"main"``) and in :meth:`transform`
        (phase ``"transform"``, the new points' embedding and KL); returning True stops the
        run and keeps the partial embedding.
    callback_every : int, default=50
    verbose : bool, default=False
        Log the time of each stage (affinities, initialization, each optimisation phase) at
        level INFO through :mod:`logging`, as openTSNE's ``verbose`` prints them (Policar
        et al. 2024); the ``latentlearn`` CLI shows INFO records with ``-v``.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
        ``KL(P || Q)`` of the final embedding (true P, no exaggeration).
    kl_history_ : list of dict
        ``{"iteration", "kl"}`` every 50 iterations (and at the end of each phase).
    n_iter_ : int
        Iterations run, both phases together.
    learning_rate_, early_learning_rate_ : float
        Steps of the main and of the early-exaggeration phase.
    perplexity_ : float
        The perplexity used (``perplexity``, or what ``"auto"`` resolved to).
    method_ : str
        The gradient method used.
    """

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "dof": [Interval(Real, 0, None, closed="neither")],
        "method": [Options({"auto", "exact", "barnes_hut", "fft"})],
        "exaggeration": [None, Interval(Real, 1, None)],
        "angle": [Interval(Real, 0, 1, closed="both")],
        "neighbors": [Options({"auto", "exact", "approx"})],
        "device": [Options({"auto", "cpu", "cuda"})],
        "transform_perplexity": [Interval(Real, 1, None)],
    }

    def __init__(self, n_components=2, *, perplexity="auto", metric="euclidean", dof=1.0,
                 early_exaggeration=12.0,
                 early_exaggeration_iter=250, n_iter=750, exaggeration=None,
                 learning_rate="auto", init="pca",
                 method="auto", angle=0.5, neighbors="auto", min_gain=0.01, device="auto",
                 transform_perplexity=5.0, n_jobs=None, random_state=None, callback=None,
                 callback_every=50, verbose=False):
        self.n_components = n_components
        self.perplexity = perplexity
        self.metric = metric
        self.dof = dof
        self.early_exaggeration = early_exaggeration
        self.early_exaggeration_iter = early_exaggeration_iter
        self.n_iter = n_iter
        self.exaggeration = exaggeration
        self.learning_rate = learning_rate
        self.init = init
        self.method = method
        self.angle = angle
        self.neighbors = neighbors
        self.min_gain = min_gain
        self.device = device
        self.transform_perplexity = transform_perplexity
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.callback = callback
        self.callback_every = callback_every
        self.verbose = verbose

    def _resolve_method(self, n):
        method = self.method
        if method == "auto":
            if n < EXACT_AUTO_BELOW or self.n_components != 2:
                method = "exact"
            else:
                method = "barnes_hut" if n < FFT_AUTO_FROM else "fft"
        if method == "exact" and n > EXACT_HARD_LIMIT and _resolve_device(self.device) is None:
            raise ValueError(
                f"the exact gradient on the CPU builds n x n matrices; {n} samples is above "
                f"{EXACT_HARD_LIMIT}: use method='fft' or 'barnes_hut' with n_components=2, "
                "or device='cuda' (torch computes the exact gradient by blocks of rows).")
        if method != "exact" and self.n_components != 2:
            raise ValueError(
                f"method={method!r} works on 2-D maps only; n_components={self.n_components}: "
                f"use n_components=2 or method='exact'.")
        return method

    def _uses_neighbors(self, n):
        return self._resolve_method(n) != "exact" or n > EXACT_HARD_LIMIT

    def _learning_rate(self, n):
        """(early phase, main phase) steps."""
        if self.learning_rate != "auto":
            return self.learning_rate, self.learning_rate
        # n / exaggeration per phase (openTSNE), divided by 4 because this gradient keeps
        # the factor 4 of dC/dy; at least 50 (scikit-learn's floor) for small n.
        return (max(n / self.early_exaggeration / 4.0, 50.0),
                max(n / self._main_exaggeration() / 4.0, 50.0))

    def _main_exaggeration(self):
        return 1.0 if self.exaggeration is None else float(self.exaggeration)

    def _affinities(self, X, rng):
        self.method_ = method = self._resolve_method(X.shape[0])
        dense = method == "exact" and X.shape[0] <= EXACT_HARD_LIMIT
        if dense and is_precomputed(self.metric) and sparse.issparse(X):
            # All pairs are not known: the kNN affinities, dense for the exact gradient.
            return _aff.joint_probabilities_nn(X, self.perplexity_, metric="precomputed",
                                               random_state=rng).toarray()
        if dense:
            return _aff.joint_probabilities(X, self.perplexity_, metric=self.metric)
        # Barnes-Hut, FFT, and the exact gradient of a large map on a torch device: kNN P.
        return _aff.joint_probabilities_nn(X, self.perplexity_, neighbors=self.neighbors,
                                           random_state=rng, metric=self.metric)

    def _objective(self, P):
        dof = float(self.dof)
        if self.method_ == "exact":
            return ExactObjective(P, kind="t", dof=dof, device=_resolve_device(self.device))
        p_log_p = float(np.sum(P.data * np.log(P.data)))  # constant: computed once
        if self.method_ == "barnes_hut":
            from .barnes_hut import BarnesHutObjective

            return BarnesHutObjective(P, dof=dof, angle=float(self.angle), p_log_p=p_log_p)
        from .fft import FFTObjective

        # BH and FFT report the KL with their own estimate of Z (as openTSNE does).
        return FFTObjective(P, dof=dof, p_log_p=p_log_p)


@register("sne", family="sne")
class SNE(_BaseSNE):
    """Stochastic neighbour embedding: conditional (Hinton & Roweis 2002) or symmetric Gaussian
    SNE (van der Maaten & Hinton 2008).

    ``kind="conditional"``: ``C = sum_i KL(P_i || Q_i)`` with Gaussian ``p_{j|i}`` (calibrated to
    ``perplexity``) and ``q_{j|i} = exp(-||y_i - y_j||^2) / sum_{k != i} exp(-||y_i - y_k||^2)``
    (Hinton & Roweis 2002). ``kind="symmetric"``: ``p_ij = (p_{j|i} + p_{i|j}) / 2n`` and
    ``q_ij`` proportional to ``exp(-||y_i - y_j||^2)`` (van der Maaten & Hinton 2008, section
    3.1). Exact O(n^2) gradient only:
    for large data use :class:`TSNE`. Optimizer and parameters as in :class:`TSNE`.

    Parameters
    ----------
    n_components : int, default=2
    kind : {"conditional", "symmetric"}, default="conditional"
    perplexity : float or "auto", default="auto"
        A number must be < n_samples - 1 (an error otherwise); ``"auto"`` as in :class:`TSNE`.
    metric : str or callable, default="euclidean"
        As in :class:`TSNE`, except that ``"precomputed"`` must be a dense ``(n, n)`` matrix
        (SNE's affinities are over all pairs, which a sparse kNN graph does not hold).
    early_exaggeration : float, default=1.0
        None by default: exaggeration (an idea of t-SNE's) did not lower SNE's final KL on
        blobs or digits and makes the Gaussian map unstable at 12. The first
        ``early_exaggeration_iter`` iterations still run at momentum 0.5.
    learning_rate : float or "auto", default="auto"
        ``"auto"``: 0.1 for conditional SNE (its gradient does not shrink with n),
        ``max(n / 10, 5)`` for symmetric SNE; set empirically (blobs, digits up to 1,000).
    early_exaggeration_iter, n_iter, init, min_gain, device, transform_perplexity, n_jobs,
    random_state, callback, callback_every, verbose :
        As in :class:`TSNE`.

    Attributes
    ----------
    embedding_, kl_divergence_, kl_history_, n_iter_, learning_rate_, perplexity_ :
        As in :class:`TSNE`.
    """

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "kind": [Options({"conditional", "symmetric"})],
        "device": [Options({"auto", "cpu", "cuda"})],
        "transform_perplexity": [Interval(Real, 1, None)],
    }

    def __init__(self, n_components=2, *, kind="conditional", perplexity="auto",
                 metric="euclidean", early_exaggeration=1.0, early_exaggeration_iter=250, n_iter=750,
                 learning_rate="auto", init="pca", min_gain=0.01, device="auto",
                 transform_perplexity=5.0, n_jobs=None, random_state=None, callback=None,
                 callback_every=50, verbose=False):
        self.n_components = n_components
        self.kind = kind
        self.perplexity = perplexity
        self.metric = metric
        self.early_exaggeration = early_exaggeration
        self.early_exaggeration_iter = early_exaggeration_iter
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.init = init
        self.min_gain = min_gain
        self.device = device
        self.transform_perplexity = transform_perplexity
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.callback = callback
        self.callback_every = callback_every
        self.verbose = verbose

    _takes_sparse_graph = False

    def _uses_neighbors(self, n):
        return False

    def _learning_rate(self, n):
        if self.learning_rate != "auto":
            return self.learning_rate, self.learning_rate
        # Set on blobs (30 points) and digits (100 to 1,000): conditional p_{j|i} rows sum to
        # one, so the gradient of conditional SNE does not shrink with n and a fixed step
        # suits it; joint p_ij ~ 1/n, so symmetric SNE's step grows with n. Larger steps
        # diverge: the Gaussian kernel has no heavy tail to hold points back.
        lr = 0.1 if self.kind == "conditional" else max(n / 10.0, 5.0)
        return lr, lr

    @property
    def _kernel(self):
        return "conditional" if self.kind == "conditional" else "gaussian"

    def _affinities(self, X, rng):
        self.method_ = "exact"
        if self.kind == "conditional":
            return _aff.conditional_probabilities(X, self.perplexity_, metric=self.metric)[0]
        return _aff.joint_probabilities(X, self.perplexity_, metric=self.metric)

    def _objective(self, P):
        return ExactObjective(P, kind=self._kernel, device=_resolve_device(self.device))

    def _transform_kernel(self):
        return "gaussian", 1.0
