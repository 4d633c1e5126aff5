"""Runs hand image data's shape to networks that need it (conv, burgess)."""

from latentlearn.datasets import load
from latentlearn.runs import fit_run


def test_a_conv_network_gets_the_image_shape_from_the_data():
    digits = load("digits")
    result = fit_run("vae", digits, {"architecture": "conv", "epochs": 1, "latent_dim": 2,
                                     "conv_channels": (4, 8), "batch_size": 256})
    assert tuple(result.estimator.model_.config.image_shape) == tuple(digits.image_shape)
