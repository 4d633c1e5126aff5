"""Latent arithmetic and the two measurable digit attributes."""

import numpy as np
import pytest

from latentlearn.neural import Autoencoder
from latentlearn.neural.latent import (apply_attribute, attribute_vector, latent_arithmetic,
                                       slant, stroke_thickness)


def bar(width, shear=0.0, size=20):
    img = np.zeros((size, size))
    for r in range(3, size - 3):
        centre = size / 2 + shear * (size / 2 - r)
        lo = int(round(centre - width / 2))
        img[r, lo:lo + width] = 1.0
    return img.ravel()


def test_stroke_thickness_measures_the_width_of_a_bar():
    widths = stroke_thickness(np.stack([bar(2), bar(4), bar(6)]), (20, 20))
    assert widths[0] < widths[1] < widths[2]
    assert widths[1] == pytest.approx(4, rel=0.25)


def test_slant_sign_follows_the_lean():
    left, upright, right = slant(np.stack([bar(3, -0.5), bar(3), bar(3, 0.5)]), (20, 20))
    assert left < -0.3 and abs(upright) < 0.05 and right > 0.3


def test_attribute_vector_and_its_application():
    X = np.stack([bar(w, s) for w in (2, 3, 4, 5) for s in (-0.3, 0.0, 0.3)] * 5)
    ae = Autoencoder(3, hidden_dims=(16,), epochs=2, device="cpu", random_state=0).fit(X)
    v = attribute_vector(ae, X[:10], X[10:])
    np.testing.assert_allclose(v, ae.transform(X[:10]).mean(0) - ae.transform(X[10:]).mean(0))
    out = apply_attribute(ae, X[:4], v, strengths=(0.0, 1.0))
    assert out.shape == (4, 2, 400)
    np.testing.assert_allclose(out[:, 0], ae.reconstruct(X[:4]), atol=1e-6)
    result = latent_arithmetic(ae, X, X[:6], (20, 20), attribute="thickness", n_show=3)
    assert result["grid"].shape == (3, 5, 400) and len(result["measured"]) == 5
    assert result["gap"] > 0
