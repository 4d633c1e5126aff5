"""Encoder and decoder networks built from a few numbers.

Every network here takes and returns *flat* tensors, ``(batch, n_features)`` in and out, the way
a :class:`~latentlearn.datasets.Dataset` stores images; the convolutional ones reshape inside
(from ``image_shape``: ``(height, width)`` or ``(height, width, channels)``). A model therefore
never cares which kind it was given, and a user can inject any module with the same shapes.

- :class:`MLP`: a stack of ``Linear`` layers from a list of widths (the default MNIST
  autoencoder's encoder is ``MLP([784, 128, 32])`` with ReLU).
- :class:`ConvEncoder` / :class:`ConvDecoder`: stride-2 3x3 convolutions that halve the image
  per layer, then a linear map to the code; the decoder mirrors it with transposed convolutions
  whose output padding restores the exact input size (odd sizes included).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..exceptions import ParameterError

__all__ = ["MLP", "ConvEncoder", "ConvDecoder", "make_encoder", "make_decoder", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
               "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU, "linear": nn.Identity}


def _activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ParameterError(f"activation {name!r} is not known; use one of "
                             f"{', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]()


class MLP(nn.Sequential):
    """``Linear -> activation`` between consecutive ``widths``; ``out_activation`` after the last.

    Parameters
    ----------
    widths : sequence of int
        ``[n_in, hidden..., n_out]``, at least two entries.
    activation : str, default="relu"
    out_activation : str, default="linear"
    """

    def __init__(self, widths, activation="relu", out_activation="linear"):
        widths = [int(w) for w in widths]
        if len(widths) < 2 or min(widths) < 1:
            raise ParameterError(f"an MLP needs at least two widths >= 1; got {widths}.")
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Linear(a, b))
            last = i == len(widths) - 2
            layers.append(_activation(out_activation if last else activation))
        super().__init__(*layers)


def _channels_last(image_shape) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        return shape[0], shape[1], 1
    if len(shape) == 3:
        return shape
    raise ParameterError(f"image_shape must be (height, width) or (height, width, channels); "
                         f"got {image_shape}.")


def _halvings(size: int, n_layers: int) -> list[int]:
    sizes = [size]
    for _ in range(n_layers):
        sizes.append(math.floor((sizes[-1] + 2 - 3) / 2) + 1)  # 3x3, stride 2, padding 1
    return sizes


class ConvEncoder(nn.Module):
    """Images (flat) -> ``out_features``: stride-2 conv layers, then a linear map.

    Parameters
    ----------
    image_shape : (height, width) or (height, width, channels)
    channels : sequence of int, default=(32, 64)
        Output channels of each convolution; each halves height and width.
    out_features : int
    activation : str, default="relu"
    """

    def __init__(self, image_shape, out_features, channels=(32, 64), activation="relu"):
        super().__init__()
        self.h, self.w, self.c = _channels_last(image_shape)
        hs, ws = _halvings(self.h, len(channels)), _halvings(self.w, len(channels))
        if hs[-1] < 1 or ws[-1] < 1:
            raise ParameterError(f"{len(channels)} stride-2 layers shrink a {self.h}x{self.w} "
                                 f"image to nothing; use fewer conv channels.")
        layers, c_in = [], self.c
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), _activation(activation)]
            c_in = c_out
        self.conv = nn.Sequential(*layers)
        self.linear = nn.Linear(c_in * hs[-1] * ws[-1], out_features)

    def forward(self, x):
        x = x.reshape(-1, self.h, self.w, self.c).permute(0, 3, 1, 2)  # (batch, c, h, w)
        return self.linear(self.conv(x).flatten(1))                     # (batch, out_features)


class ConvDecoder(nn.Module):
    """Codes -> images (flat): a linear map, then stride-2 transposed convolutions.

    Mirrors :class:`ConvEncoder` with the same ``channels`` (given encoder-first); the last layer
    outputs the image's channels with ``out_activation``.
    """

    def __init__(self, in_features, image_shape, channels=(32, 64), activation="relu",
                 out_activation="linear"):
        super().__init__()
        self.h, self.w, self.c = _channels_last(image_shape)
        hs, ws = _halvings(self.h, len(channels)), _halvings(self.w, len(channels))
        chans = list(channels)[::-1]                        # deepest first
        self.start = (chans[0], hs[-1], ws[-1])
        self.linear = nn.Sequential(nn.Linear(in_features, chans[0] * hs[-1] * ws[-1]),
                                    _activation(activation))
        layers = []
        outs = chans[1:] + [self.c]
        for i, (c_in, c_out) in enumerate(zip(chans, outs)):
            level = len(chans) - i                          # input size index in hs/ws
            pad_h = hs[level - 1] - (2 * hs[level] - 1)     # 0 or 1: restores odd sizes
            pad_w = ws[level - 1] - (2 * ws[level] - 1)
            layers.append(nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1,
                                             output_padding=(pad_h, pad_w)))
            last = i == len(chans) - 1
            layers.append(_activation(out_activation if last else activation))
        self.deconv = nn.Sequential(*layers)

    def forward(self, z):
        x = self.linear(z).reshape(-1, *self.start)         # (batch, c, h', w')
        x = self.deconv(x)                                  # (batch, channels, h, w)
        return x.permute(0, 2, 3, 1).flatten(1)             # (batch, h * w * channels)


def make_encoder(architecture, n_features, out_features, *, hidden=(128,), image_shape=None,
                 conv_channels=(32, 64), activation="relu", out_activation="linear"):
    """The encoder a config asks for: ``"mlp"`` or ``"conv"`` (needs ``image_shape``)."""
    if architecture == "conv":
        if image_shape is None:
            raise ParameterError("architecture='conv' needs the image shape: fit on a Dataset "
                                 "with image_shape, or pass image_shape=(height, width).")
        net = ConvEncoder(image_shape, out_features, conv_channels, activation)
        return net if out_activation == "linear" else nn.Sequential(net, _activation(
            out_activation))
    if architecture == "mlp":
        return MLP([n_features, *hidden, out_features], activation, out_activation)
    raise ParameterError(f"architecture={architecture!r} is not known; use 'mlp' or 'conv'.")


def make_decoder(architecture, latent_dim, n_features, *, hidden=(128,), image_shape=None,
                 conv_channels=(32, 64), activation="relu", out_activation="linear"):
    """The decoder mirroring :func:`make_encoder` (hidden widths reversed)."""
    if architecture == "conv":
        if image_shape is None:
            raise ParameterError("architecture='conv' needs the image shape: fit on a Dataset "
                                 "with image_shape, or pass image_shape=(height, width).")
        return ConvDecoder(latent_dim, image_shape, conv_channels, activation, out_activation)
    if architecture == "mlp":
        return MLP([latent_dim, *list(hidden)[::-1], n_features], activation, out_activation)
    raise ParameterError(f"architecture={architecture!r} is not known; use 'mlp' or 'conv'.")
