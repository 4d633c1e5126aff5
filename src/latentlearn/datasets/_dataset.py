"""The one record every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: samples, and whatever ground truth came with them.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        The samples. Images are flattened row-major; ``image_shape`` restores them.
    y : ndarray of shape (n_samples,) or None
        Labels, when the data has them (digit classes, blob membership). Never used for fitting.
    factors : ndarray of shape (n_samples, n_factors) or None
        Ground-truth generative factors (the roll parameter and height of a swiss roll, the
        shape / scale / orientation / x / y of a dSprites image), as float values.
    factor_names : tuple of str
        One name per column of ``factors``.
    image_shape : tuple of int or None
        ``(height, width)`` for grey images, ``(height, width, channels)`` for colour.
    name : str
        Short name (``"mnist5k"``, ``"swiss_roll"``, or the file name).
    description : str
        One or two sentences for the report.
    extras : dict
        Anything else a loader returns with the data, documented by that loader: e.g.
        ``"edges"`` (shortcut edges of ``triangle``), ``"factor_indices"`` (dSprites),
        ``"source"`` (the file path).
    """

    X: np.ndarray
    y: np.ndarray | None = None
    factors: np.ndarray | None = None
    factor_names: tuple = ()
    image_shape: tuple | None = None
    name: str = ""
    description: str = ""
    extras: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def images(self) -> np.ndarray:
        """``X`` reshaped to ``(n_samples, *image_shape)``; an error if the data are not images."""
        if self.image_shape is None:
            raise ValueError(f"dataset {self.name!r} is not made of images (image_shape is None)")
        return self.X.reshape((self.n_samples, *self.image_shape))

    def subset(self, index) -> "Dataset":
        """The rows ``index`` (a slice, integer array or boolean mask) as a new Dataset."""
        take = lambda a: None if a is None else a[index]  # noqa: E731
        return Dataset(X=self.X[index], y=take(self.y), factors=take(self.factors),
                       factor_names=self.factor_names, image_shape=self.image_shape,
                       name=self.name, description=self.description, extras=dict(self.extras))
