"""Principal component analysis: the linear code with the most variance, and what it generates.

PCA looks for the ``k`` orthonormal directions ``w_1, ..., w_k`` of largest variance. With the
sample covariance (Pearson 1901; Hotelling 1933; Bishop 2006, PRML §12.1)

    Sigma = 1/(n - 1) * sum_q (x_q - mu)(x_q - mu)^T,

the direction maximising ``w^T Sigma w`` subject to ``||w|| = 1`` is the eigenvector of the
largest eigenvalue, and the ``j``-th principal component is the eigenvector of the ``j``-th
largest eigenvalue ``lambda_j`` (the variance along it). Three solvers compute the same thing:

``"covariance_eigh"``
    Form the ``d x d`` covariance and take its eigen-decomposition (Bishop 2006, §12.1.1). Cheap
    when ``n_samples >> n_features``; squares the condition number, so tiny eigenvalues are less
    accurate than with an SVD.
``"full"``
    The SVD of the centred data, ``X_c = U S V^T``, so that ``X_c^T X_c = V S^2 V^T``: the rows of
    ``V^T`` are the principal directions and ``lambda_j = s_j^2 / (n - 1)`` (Jolliffe 2002,
    "Principal Component Analysis", §3.5: PCA by the SVD of the data matrix).
``"randomized"``
    A truncated SVD by randomized subspace iteration (Halko, Martinsson & Tropp 2011, "Finding
    structure with randomness", Algorithm 4.4): sample the range of ``X_c`` with a Gaussian test
    matrix, sharpen it with a few power iterations (re-normalised each time), and take
    the exact SVD of the small projected matrix. For large data when ``k`` is small.
ARPACK (sparse input only, chosen by ``"auto"``)
    The ``k`` leading singular triplets of ``X_c`` by implicitly restarted Lanczos
    bidiagonalisation (ARPACK, Lehoucq, Sorensen & Yang 1998, through
    ``scipy.sparse.linalg.svds``), converged to machine precision; ``k < min(n, d)``. It is
    what ``"auto"`` uses for a sparse ``X`` where ``"full"`` would densify it; ``svd_solver_``
    then reads ``"arpack"``.

Sparse input (``scipy.sparse``, any format, taken as CSR) is never densified: the randomized and
ARPACK solvers only multiply by ``X_c = X - 1 mu^T``, which is applied as ``X B - 1 (mu^T B)``
without forming it (an implicit centring, as scikit-learn's PCA does for sparse input since
1.4), and ``"covariance_eigh"`` forms the ``d x d`` covariance ``(X^T X - n mu mu^T) / (n - 1)``
from the sparse product. ``"full"`` needs the dense ``X_c`` and refuses sparse input.

Data larger than memory: an ``np.memmap`` (``latentlearn.datasets.load(path, mmap=True)``) fitted
with ``"covariance_eigh"`` (chosen or picked by ``"auto"``) is read in row blocks by explicit
file reads into one reused buffer (:mod:`latentlearn._memmap`), never through the map, so
neither a copy nor the map's touched pages stay resident: one pass sums the mean, a second the
centred ``sum (x - mu)(x - mu)^T``, as for an array in memory. The other solvers need the whole
``X`` and read the map into memory.

Dask arrays (``latentlearn._dask``) are fitted by the covariance solver from per-block moments
computed on the dask workers; only ``d x d`` statistics reach the client.

PCA as a generative model (Tipping & Bishop 1999, "Probabilistic principal component
analysis"; Bishop 2006, §12.2): encoding is ``z = W^T (x - mu)`` and decoding ``x = mu + W z``,
where the columns of ``W`` are the components. New data come from decoding new codes ``z_new``.
A common slip is to decode with ``x_new = W z_new`` and to interpolate two inputs as
``x_new = 1/2 W (z_1 + z_2)``; both omit the mean, which is right only for centred data. The
correct formulas are ``x = mu + W z`` and ``mu + 1/2 W (z_1 + z_2)``, with which
:meth:`PCA.sample` and :meth:`PCA.interpolate` decode.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from scipy.sparse.linalg import svds

from .._checks import check_codes
from .._dask import block_moments, check_dask_array, is_dask_array, lazy_rows
from .._memmap import MemmapRows, is_file_memmap, map_row_blocks, validate_memmap
from .._linalg import (
    column_mean,
    covariance,
    flip_row_signs,
    randomized_svd,
    sum_of_squares,
)
from .._sparse import (
    CentredOperator,
    issparse,
    squared_row_norms,
    weighted_column_moments,
)
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import (
    GenerativeMixin,
    Interval,
    LatentEstimator,
    Options,
    check_is_fitted,
    check_random_state,
)
from ..exceptions import ParameterError
from ..registry import register

__all__ = ["PCA"]

logger = logging.getLogger(__name__)


def _blocked_moments(rows):
    """Mean and covariance of a memory-mapped ``X`` from two passes over its row blocks.

    ``mu = sum_q x_q / n`` (summed in float64), then ``Sigma = 1/(n-1) sum_q (x_q - mu)(x_q -
    mu)^T`` (Bishop 2006, §12.1) with each block centred first, multiplied in the dtype of ``X``
    and summed in float64, as ``covariance`` does for an array in memory.

    Parameters
    ----------
    rows : MemmapRows

    Returns
    -------
    mean : ndarray of shape (n_features,), float64
    C : ndarray of shape (n_features, n_features), float64
    """
    n, d = rows.n_samples, rows.n_features
    total = np.zeros(d)
    for _, block in rows.blocks():
        total += block.sum(axis=0, dtype=np.float64)
    mean = total / n
    shift = mean.astype(rows.dtype)
    C = np.zeros((d, d))
    for _, block in rows.blocks():
        centred = block - shift  # (block, d)
        C += centred.T @ centred
    C /= n - 1
    return mean, C


def _total_variance(Xc):
    """``trace(Sigma) = sum ||x - mu||^2 / (n - 1)`` of already-centred data, summed in float64.

    No float64 copy of a float32 ``Xc`` is made (see :func:`latentlearn._linalg.sum_of_squares`).
    """
    return sum_of_squares(Xc) / (Xc.shape[0] - 1)


@register("pca", family="decomposition")
class PCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, GenerativeMixin, LatentEstimator):
    """Principal component analysis: project onto the directions of largest variance.

    The components are the leading eigenvectors of the sample covariance
    ``Sigma = 1/(n-1) sum_q (x_q - mu)(x_q - mu)^T`` (Bishop 2006, PRML §12.1), equivalently the
    right singular vectors of the centred data ``X_c = U S V^T`` with ``lambda_j = s_j^2 / (n-1)``
    (Jolliffe 2002, §3.5). Codes are ``z = W^T (x - mu)`` and decoding is ``x = mu + W z``
    (Tipping & Bishop 1999; a common slip is ``x = W z``, which leaves out the mean ``mu``).

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=None
        Number of components ``k`` to keep. An int keeps that many (at most
        ``min(n_samples, n_features)``). A float in (0, 1) keeps the smallest ``k`` whose
        cumulative explained-variance ratio is ``>=`` it; this needs the whole spectrum, so the
        ``"randomized"`` solver refuses it. ``None`` keeps ``min(n_samples, n_features)``.
    whiten : bool, default=False
        If True, :meth:`transform` divides each code by ``sqrt(explained_variance_)`` so that the
        codes of the training data have unit variance; :meth:`inverse_transform` undoes it.
    svd_solver : {"auto", "covariance_eigh", "full", "randomized"}, default="auto"
        How the components are computed (see the module docstring). ``"auto"`` picks:
        ``"covariance_eigh"`` when ``n_features <= 1000`` and ``n_samples >= 10 * n_features``;
        otherwise ``"randomized"`` when ``min(n_samples, n_features) > 500`` and ``n_components``
        is an int below ``0.8 * min(n_samples, n_features)``; otherwise ``"full"``. For a sparse
        ``X``, where ``"full"`` would densify, ``"auto"`` picks ARPACK (``svd_solver_ ==
        "arpack"``) instead when ``n_components`` is an int below ``min(n_samples,
        n_features)``, and otherwise ``"covariance_eigh"`` when ``n_features <= 1000``;
        ``svd_solver="full"`` on a sparse ``X`` raises a ``TypeError``.
    iterated_power : int >= 0 or "auto", default="auto"
        Power iterations of the randomized solver; ``"auto"`` is 7 when
        ``n_components < 0.1 * min(n_samples, n_features)`` and 4 otherwise.
    n_oversamples : int >= 0, default=10
        Extra random directions sampled by the randomized solver.
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the randomized solver and, when :meth:`sample` gets no ``random_state``, sampling.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        Principal directions (the rows are ``W^T``), orthonormal, by decreasing variance. Signs
        are fixed so that each row's entry of largest absolute value is positive.
    explained_variance_ : ndarray of shape (n_components_,)
        Variance ``lambda_j`` of the data along each component, with the ``1/(n_samples - 1)``
        normalisation.
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        ``lambda_j / trace(Sigma)``: the fraction of the total variance each component carries.
    singular_values_ : ndarray of shape (n_components_,)
        Singular values of the centred data, ``s_j = sqrt((n_samples - 1) lambda_j)``.
    mean_ : ndarray of shape (n_features,)
        Per-feature mean ``mu`` of the training data.
    n_components_ : int
        The number of components kept.
    noise_variance_ : float
        The isotropic noise ``sigma^2`` of probabilistic PCA (Tipping & Bishop 1999): the mean of
        the ``min(n_samples, n_features) - n_components_`` discarded eigenvalues, 0 if none.
    n_samples_ : int
        Number of training samples.
    svd_solver_ : str
        The solver used (what ``"auto"`` chose; ``"arpack"`` for some sparse input).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    Fitted arrays have the dtype of the training data (float32 stays float32); the covariance
    solver accumulates the covariance in float64 either way.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.decomposition import PCA
    >>> X = np.random.RandomState(0).normal(size=(100, 5))
    >>> pca = PCA(n_components=2).fit(X)
    >>> pca.transform(X).shape
    (100, 2)
    """

    _parameter_constraints = {
        "n_components": [
            Interval(Integral, 1, None),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "whiten": ["boolean"],
        "svd_solver": [Options({"auto", "covariance_eigh", "full", "randomized"})],
        "iterated_power": [Interval(Integral, 0, None), Options({"auto"})],
        "n_oversamples": [Interval(Integral, 0, None)],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        n_components=None,
        *,
        whiten=False,
        svd_solver="auto",
        iterated_power="auto",
        n_oversamples=10,
        random_state=None,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting -------------------------------------------------------------------------------

    _accepts_sparse = True

    def _choose_solver(self, n_samples, n_features, is_sparse=False):
        if self.svd_solver != "auto":
            if is_sparse and self.svd_solver == "full":
                raise TypeError(
                    "PCA: svd_solver='full' needs the dense centred matrix, but X is a scipy "
                    "sparse matrix; use svd_solver='auto' (ARPACK on sparse input), "
                    "'randomized' or 'covariance_eigh' (none of which densifies X), or pass "
                    "X.toarray() if it fits in memory.")
            return self.svd_solver
        smaller = min(n_samples, n_features)
        is_int = isinstance(self.n_components, Integral)
        if n_features <= 1000 and n_samples >= 10 * n_features:
            return "covariance_eigh"
        if smaller > 500 and is_int and self.n_components < 0.8 * smaller:
            return "randomized"
        if not is_sparse:
            return "full"
        if is_int and self.n_components < smaller:
            return "arpack"
        if n_features <= 1000:
            return "covariance_eigh"
        raise ParameterError(
            f"PCA: n_components={self.n_components!r} on a sparse X with {n_features} features "
            "needs the whole spectrum, which only the dense solvers compute; pass an int "
            f"n_components below min(n_samples, n_features) = {smaller} (solved by ARPACK or "
            "the randomized SVD without densifying X), or X.toarray() if it fits in memory.")

    @limit_threads
    def fit(self, X, y=None):
        """Fit the principal components of ``X``.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            Training data, ``n_samples >= 2``. A ``dask.array.Array`` (``pip install
            'latentlearn[dask]'``) is fitted where its blocks live: each block's count, mean
            and centred scatter are computed by the dask workers (under an active
            ``dask.distributed.Client``), combined by the pairwise formulae of Chan, Golub &
            LeVeque (1979), and the client takes the eigendecomposition of the ``d x d``
            covariance (the ``"covariance_eigh"`` solver; ``"full"`` and ``"randomized"``
            raise for dask input).
            An ``np.memmap`` is read in row blocks from its file when the solver is
            ``"covariance_eigh"`` (see the module docstring).
        y : ignored

        Returns
        -------
        self : PCA
        """
        self._check_parameters()
        if is_dask_array(X):  # block statistics on the dask workers
            return self._fit_dask(X)
        blocked = (is_file_memmap(X) and X.shape[0] >= 2
                   and self._choose_solver(*X.shape) == "covariance_eigh")
        if blocked:
            validate_memmap(self, X, reset=True, min_samples=2)
        else:
            X = self._validate_X(X, reset=True, min_samples=2)
        is_sparse = issparse(X)
        n_samples, n_features = X.shape
        max_components, fraction, n_wanted = self._components_wanted(n_samples, n_features)
        solver = self._choose_solver(n_samples, n_features, is_sparse)
        if fraction and solver == "randomized":
            raise ParameterError(
                f"PCA: n_components={self.n_components} (a fraction of the variance) needs the "
                "whole spectrum, which svd_solver='randomized' does not compute; use "
                "svd_solver='full', 'covariance_eigh' or 'auto', or pass an int."
            )

        if blocked:  # an np.memmap read in row blocks from its file
            rows = MemmapRows(X)
            mean, C = _blocked_moments(rows)
            rows.check_unchanged("PCA")
        elif is_sparse:  # moments from the stored entries, the zeros in closed form
            mean, column_var = weighted_column_moments(X, np.ones(n_samples))
            sparse_total_var = float(column_var.sum()) * n_samples / (n_samples - 1)
        else:
            mean = column_mean(X)  # (d,) float64
        if solver == "covariance_eigh":
            if blocked:
                pass  # C from _blocked_moments
            elif is_sparse:  # (X^T X - n mu mu^T) / (n - 1), d x d, from the sparse product
                X64 = X.astype(np.float64)
                C = (X64.T @ X64).toarray()
                C -= n_samples * np.outer(mean, mean)
                C /= n_samples - 1
                del X64
            else:
                C = covariance(X, mean)
            total_var = float(np.trace(C))
            if n_wanted == n_features:
                eigvals, eigvecs = linalg.eigh(C, check_finite=False)
            else:  # only the top n_wanted pairs
                eigvals, eigvecs = linalg.eigh(
                    C, subset_by_index=[n_features - n_wanted, n_features - 1],
                    check_finite=False)
            variances = np.clip(eigvals[::-1], 0.0, None)  # descending; round-off can go < 0
            components = np.ascontiguousarray(eigvecs[:, ::-1].T)
        else:
            if is_sparse:  # X - 1 mu^T applied by products, never formed
                Xc = CentredOperator(X, mean.astype(X.dtype))
            else:
                Xc = X - mean.astype(X.dtype)  # (n, d), in the input dtype as the SVD runs in it
            if solver == "full":
                _, s, components = linalg.svd(Xc, full_matrices=False, check_finite=False)
                variances = s.astype(np.float64) ** 2 / (n_samples - 1)
                total_var = float(variances.sum())
            elif solver == "randomized":
                if self.iterated_power == "auto":
                    n_iter = 7 if n_wanted < 0.1 * max_components else 4
                else:
                    n_iter = self.iterated_power
                _, s, components = randomized_svd(
                    Xc, n_wanted, n_oversamples=self.n_oversamples, n_iter=n_iter,
                    random_state=check_random_state(self.random_state))
                variances = s.astype(np.float64) ** 2 / (n_samples - 1)
                total_var = sparse_total_var if is_sparse else _total_variance(Xc)
            else:  # "arpack" (sparse X, chosen by "auto" only for an int n_components < min)
                rng = check_random_state(self.random_state)
                v0 = rng.uniform(-1, 1, size=max_components)  # as scikit-learn's PCA starts
                _, s, components = svds(Xc, k=n_wanted, tol=0.0, v0=v0.astype(X.dtype))
                order = np.argsort(s)[::-1]  # svds returns them ascending
                s, components = s[order], components[order]
                variances = s.astype(np.float64) ** 2 / (n_samples - 1)
                total_var = sparse_total_var if is_sparse else _total_variance(Xc)
            components = np.array(components, dtype=np.float64)
        return self._set_fitted(components, variances, total_var, mean, n_samples,
                                solver, X.dtype, fraction, n_wanted, max_components)

    def _components_wanted(self, n_samples, n_features):
        """``(max_components, n_components is a fraction, components to compute)``, checked."""
        max_components = min(n_samples, n_features)
        fraction = isinstance(self.n_components, Real) and not isinstance(
            self.n_components, Integral)
        if isinstance(self.n_components, Integral) and self.n_components > max_components:
            raise ParameterError(
                f"PCA: n_components={self.n_components} is larger than min(n_samples, "
                f"n_features) = min({n_samples}, {n_features}) = {max_components}; lower "
                f"n_components to at most {max_components}, pass n_components=None to keep "
                "them all, or pass more samples."
            )
        n_wanted = max_components if self.n_components is None or fraction \
            else int(self.n_components)
        return max_components, fraction, n_wanted

    def _set_fitted(self, components, variances, total_var, mean, n_samples, solver, dtype,
                    fraction, n_wanted, max_components):
        """Set the fitted attributes from the spectrum (descending), in-memory or dask fit."""
        flip_row_signs(components)

        ratios = variances / total_var if total_var > 0 else np.zeros_like(variances)
        if fraction:
            # smallest k with cumulative ratio >= the fraction (capped: round-off may keep the
            # cumulative sum a hair below 1)
            k = int(np.searchsorted(np.cumsum(ratios), self.n_components, side="left")) + 1
            k = min(k, max_components)
        else:
            k = n_wanted
        if k < max_components:
            noise_variance = max((total_var - float(variances[:k].sum())) / (max_components - k),
                                 0.0)
        else:
            noise_variance = 0.0

        self.mean_ = mean.astype(dtype)
        self.components_ = components[:k].astype(dtype)
        self.explained_variance_ = variances[:k].astype(dtype)
        self.explained_variance_ratio_ = ratios[:k].astype(dtype)
        self.singular_values_ = np.sqrt(variances[:k] * (n_samples - 1)).astype(dtype)
        self.n_components_ = k
        self.noise_variance_ = float(noise_variance)
        self.n_samples_ = n_samples
        self.svd_solver_ = solver
        logger.debug("PCA fitted with solver %s, %d components", solver, k)
        return self

    def _fit_dask(self, X):
        """Fit a dask array: per-block moments on the workers, the eigh on the client.

        Each block of rows gives its count, mean and centred scatter (``latentlearn._dask``,
        combined by Chan, Golub & LeVeque 1979); the client forms the ``d x d`` covariance and
        takes its eigendecomposition, as ``svd_solver="covariance_eigh"`` does in memory.
        """
        if self.svd_solver in ("full", "randomized"):
            raise ParameterError(
                f"PCA: svd_solver={self.svd_solver!r} needs the whole data on one machine; a "
                "dask array is fitted from its per-block covariance statistics, so pass "
                "svd_solver='auto' or 'covariance_eigh' (or X.compute() if it fits in memory).")
        X = check_dask_array(X, "PCA")
        n_samples, mean, scatter = block_moments(X, scatter=True, who="PCA")
        n_features = X.shape[1]
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if n_samples < 2:
            raise ValueError(f"PCA: the dask array X has {n_samples} sample(s); at least 2 are "
                             "needed to estimate a covariance.")
        max_components, fraction, n_wanted = self._components_wanted(n_samples, n_features)
        C = scatter / (n_samples - 1)
        total_var = float(np.trace(C))
        eigvals, eigvecs = linalg.eigh(
            C, subset_by_index=[n_features - n_wanted, n_features - 1], check_finite=False)
        variances = np.clip(eigvals[::-1], 0.0, None)
        components = np.ascontiguousarray(eigvecs[:, ::-1].T)
        return self._set_fitted(components, variances, total_var, mean, n_samples,
                                "covariance_eigh", X.dtype, fraction, n_wanted, max_components)

    # -- encoding and decoding -----------------------------------------------------------------

    def _whitening_scale(self):
        """``sqrt(lambda_j)``, floored at eps so that zero-variance directions stay finite."""
        scale = np.sqrt(self.explained_variance_)
        return np.maximum(scale, np.finfo(scale.dtype).eps)

    @limit_threads
    def transform(self, X):
        """Encode: ``z = W^T (x - mu)``, divided by ``sqrt(explained_variance_)`` if ``whiten``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            The codes, in the dtype of ``X`` when the model was fitted on that dtype. For a
            dask array ``X``, a lazy dask array with its row blocks, each block encoded on the
            worker holding it.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return lazy_rows(self, "transform", X)
        if is_file_memmap(X):  # block by block: no centred copy of the whole file
            validate_memmap(self, X, reset=False)
            return map_row_blocks(X, self.transform, "PCA.transform")
        X = self._validate_X(X, reset=False)
        if issparse(X):  # (X - 1 mu^T) W without forming the centred matrix
            Z = X @ self.components_.T - self.mean_ @ self.components_.T
            Z = Z.astype(np.result_type(X.dtype, self.components_.dtype), copy=False)
        else:
            Z = (X - self.mean_) @ self.components_.T  # (n, k)
        if self.whiten:
            Z /= self._whitening_scale()
        return Z

    @limit_threads
    def inverse_transform(self, Z):
        """Decode: ``x = mu + W z`` (re-scaling whitened codes by ``sqrt(explained_variance_)``).

        For codes of training points this is the rank-``k`` reconstruction, the orthogonal
        projection of ``x`` onto the affine principal subspace.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features)
            For a dask array ``Z``, a lazy dask array with its row blocks.
        """
        check_is_fitted(self)
        if is_dask_array(Z):
            return lazy_rows(self, "inverse_transform", Z, n_columns=self.n_components_)
        Z = check_codes(Z, self.n_components_, "PCA.inverse_transform")
        if self.whiten:
            Z = Z * self._whitening_scale()
        return Z @ self.components_ + self.mean_

    # -- probabilistic PCA ---------------------------------------------------------------------

    def _model_variances(self):
        """Per-direction variances of the probabilistic-PCA Gaussian, floored.

        The model is ``N(mu, W diag(v) W^T + sigma^2 (I - W W^T))`` with ``v_j =
        max(lambda_j, sigma^2)``. Variances are floored at ``eps * lambda_1`` so that a model that
        kept every direction of rank-deficient data (``sigma^2 = 0``) stays a proper density.
        """
        variances = self.explained_variance_.astype(np.float64)
        scale = max(float(variances.max(initial=0.0)), self.noise_variance_)
        floor = np.finfo(np.float64).eps * scale if scale > 0 else np.finfo(np.float64).tiny
        noise = max(self.noise_variance_, floor)
        return np.maximum(variances, noise), noise

    def get_covariance(self):
        """Covariance of the probabilistic-PCA model.

        ``Sigma_model = W diag(v) W^T + sigma^2 (I - W W^T)`` with ``v = max(lambda, sigma^2)``
        and ``sigma^2 = noise_variance_`` (Tipping & Bishop 1999). Whitening does not change it.

        Returns
        -------
        cov : ndarray of shape (n_features, n_features), float64
        """
        check_is_fitted(self)
        variances, noise = self._model_variances()
        W = self.components_.astype(np.float64)  # (k, d)
        cov = (W.T * (variances - noise)) @ W
        cov.flat[:: cov.shape[0] + 1] += noise
        return cov

    def get_precision(self):
        """Inverse of :meth:`get_covariance`, by the spectral form (no matrix inversion).

        Returns
        -------
        precision : ndarray of shape (n_features, n_features), float64
        """
        check_is_fitted(self)
        variances, noise = self._model_variances()
        W = self.components_.astype(np.float64)
        if self.n_components_ == W.shape[1]:  # W is a full basis: no noise subspace
            return (W.T / variances) @ W
        precision = (W.T * (1.0 / variances - 1.0 / noise)) @ W
        precision.flat[:: precision.shape[0] + 1] += 1.0 / noise
        return precision

    def score_samples(self, X):
        """Log-likelihood of each sample under the probabilistic-PCA model.

        ``log p(x) = -1/2 [ (x - mu)^T Sigma_model^{-1} (x - mu) + log det Sigma_model
        + d log 2 pi ]``, evaluated in the principal basis: with ``z = W^T (x - mu)`` and the
        residual ``r = (x - mu) - W z``, the quadratic form is ``sum_j z_j^2 / v_j +
        ||r||^2 / sigma^2`` and ``log det = sum_j log v_j + (d - k) log sigma^2``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,), float64
            For a dask array ``X``, a lazy dask array with its row blocks.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return lazy_rows(self, "score_samples", X)
        if is_file_memmap(X):  # block by block: no float64 copies of the whole file
            validate_memmap(self, X, reset=False)
            return map_row_blocks(X, self.score_samples, "PCA.score_samples")
        X = self._validate_X(X, reset=False)
        variances, noise = self._model_variances()
        W = self.components_.astype(np.float64)
        n_features = W.shape[1]
        mu = self.mean_.astype(np.float64)
        if issparse(X):  # ||r||^2 = ||x - mu||^2 - ||z||^2 (orthonormal W), no dense centring
            Z = X @ W.T - mu @ W.T  # (n, k)
            centred_sq = squared_row_norms(X) - 2.0 * (X @ mu) + mu @ mu
            residual_sq = np.maximum(centred_sq - np.einsum("ij,ij->i", Z, Z), 0.0)
        else:
            centred = X.astype(np.float64) - mu
            Z = centred @ W.T  # (n, k)
        quad = (Z**2 / variances).sum(axis=1)
        log_det = float(np.log(variances).sum())
        if self.n_components_ < n_features:
            if not issparse(X):
                residual = centred - Z @ W
                residual_sq = (residual**2).sum(axis=1)
            quad += residual_sq / noise
            log_det += (n_features - self.n_components_) * np.log(noise)
        return -0.5 * (quad + log_det + n_features * np.log(2.0 * np.pi))

    def score(self, X, y=None):
        """Mean log-likelihood of the samples under the probabilistic-PCA model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))  # a dask X: a lazy mean, computed here

    # -- generation ----------------------------------------------------------------------------

    def sample(self, n_samples=1, random_state=None, *, noise=False):
        """Draw new data by decoding random codes (generative PCA, Tipping & Bishop 1999).

        Codes are drawn from the Gaussian the training codes follow, ``z ~ N(0,
        diag(explained_variance_))``, and decoded with ``x = mu + W z``. A common slip is
        ``x_new = W z_new``, which forgets the mean ``mu``; the correct decode adds it back. With
        ``noise=True`` isotropic noise ``N(0, noise_variance_ I)`` is added, which makes the
        draws samples of the probabilistic-PCA model rather than points on the principal subspace.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : None, int or numpy.random.RandomState, default=None
            ``None`` uses the estimator's ``random_state`` (so a seeded estimator draws the same
            samples each call, as scikit-learn's ``GaussianMixture.sample`` does).
        noise : bool, default=False

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, Integral) \
                or n_samples < 1:
            raise ParameterError(
                f"PCA.sample: n_samples={n_samples!r} must be an int >= 1.")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        std = np.sqrt(self.explained_variance_.astype(np.float64))
        Z = rng.standard_normal(size=(n_samples, self.n_components_)) * std  # (n, k)
        X_new = Z @ self.components_.astype(np.float64) + self.mean_
        if noise and self.noise_variance_ > 0:
            X_new += np.sqrt(self.noise_variance_) * rng.standard_normal(size=X_new.shape)
        return X_new.astype(self.mean_.dtype, copy=False)

    def interpolate(self, x1, x2, steps=8):
        """Decode straight lines between the codes of ``x1`` and ``x2``.

        ``z_t = (1 - t) z_1 + t z_2`` for ``steps`` values of ``t`` evenly spaced in [0, 1]
        (both ends included), decoded with ``x_t = mu + W z_t``. A common slip is the midpoint
        ``x_new = 1/2 W (z_1 + z_2)``, which leaves out the mean; correctly, ``t = 1/2`` gives
        ``mu + 1/2 W (z_1 + z_2)``. The ends are the rank-``k`` reconstructions of ``x1`` and
        ``x2``, not the inputs themselves.

        Parameters
        ----------
        x1, x2 : array-like of shape (n_features,) or (n_pairs, n_features)
            The two end points (or two batches of them, paired row by row).
        steps : int >= 2, default=8

        Returns
        -------
        path : ndarray of shape (steps, n_features) or (n_pairs, steps, n_features)
        """
        check_is_fitted(self)
        if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, Integral) or steps < 2:
            raise ParameterError(f"PCA.interpolate: steps={steps!r} must be an int >= 2.")
        a, b = np.asarray(x1), np.asarray(x2)
        if a.shape != b.shape or a.ndim not in (1, 2):
            raise ValueError(
                f"PCA.interpolate: x1 and x2 must have the same shape, (n_features,) or "
                f"(n_pairs, n_features); got {a.shape} and {b.shape}."
            )
        single = a.ndim == 1
        Z1 = self.transform(np.atleast_2d(a))  # (m, k)
        Z2 = self.transform(np.atleast_2d(b))
        t = np.linspace(0.0, 1.0, steps).astype(Z1.dtype)[np.newaxis, :, np.newaxis]
        Z = (1.0 - t) * Z1[:, np.newaxis, :] + t * Z2[:, np.newaxis, :]  # (m, steps, k)
        m = Z.shape[0]
        path = self.inverse_transform(Z.reshape(m * steps, -1)).reshape(m, steps, -1)
        return path[0] if single else path

    # -- scikit-learn plumbing -----------------------------------------------------------------

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = self.svd_solver != "full"
        return tags
