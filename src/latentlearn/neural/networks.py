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
- :class:`BurgessEncoder` / :class:`BurgessDecoder`: the standard network for 64x64 dSprites
  (Higgins et al. 2017; Burgess et al. 2018, "Understanding disentangling in beta-VAE";
  Locatello et al. 2019): four 4x4 stride-2 convolutions with 32, 32, 64, 64 channels
  (64 -> 32 -> 16 -> 8 -> 4), a dense layer of 256 units, then the output layer; the decoder
  is the mirror (dense 256, dense 64*4*4, four 4x4 stride-2 transposed convolutions with 64, 32,
  32 and the image's channels). Any height and width divisible by 16 works (each layer halves
  them exactly); 64x64 is the published one.

Builders by name: :func:`register_network` records a function ``(n_in, n_out, **kw) ->
nn.Module`` under a name (``"mlp"``, ``"conv"`` and ``"burgess"`` are registered here), so an
estimator's ``encoder=`` / ``decoder=`` (or its ``architecture``) can name one and a saved model
records that name instead of pickled code. The keywords a builder receives are ``role``
(``"encoder"`` or ``"decoder"``), ``hidden``, ``image_shape``, ``conv_channels``, ``activation``
and ``out_activation``; a builder takes ``**kw`` and uses what it needs.

The shape contract of any encoder or decoder, built here or by a user: an encoder maps
``(batch, n_features)`` to ``(batch, out)``, ``out`` being ``2 * latent_dim`` for the VAE family
(means then log-variances) and ``latent_dim`` for the autoencoders; a decoder maps
``(batch, latent_dim)`` to ``(batch, n_features)`` (logits for Bernoulli / BCE, means
otherwise). :func:`check_network` verifies it on a batch of zeros.
"""

from __future__ import annotations

import math

from .._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
torch = require("torch", extra="neural", what="the neural models")
from torch import nn

from ..exceptions import ParameterError

__all__ = ["MLP", "ConvEncoder", "ConvDecoder", "BurgessEncoder", "BurgessDecoder",
           "NETWORKS", "register_network", "build_network", "network_names", "check_network",
           "network_spec", "user_class_name", "network_for",
           "make_encoder", "make_decoder", "ACTIVATIONS"]

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


def _sixteenths(image_shape) -> tuple[int, int, int]:
    h, w, c = _channels_last(image_shape)
    if h % 16 or w % 16 or h < 16 or w < 16:
        raise ParameterError(f"architecture='burgess' needs height and width divisible by 16 "
                             f"(four stride-2 layers halve them exactly; 64x64 in Burgess et "
                             f"al. 2018); got {h}x{w}. Use architecture='conv' for other sizes.")
    return h, w, c


class BurgessEncoder(nn.Module):
    """Images (flat) -> ``out_features``: four 4x4 stride-2 convolutions, dense 256, output.

    Channels 32, 32, 64, 64 with padding 1, so each layer halves height and width exactly
    (64 -> 32 -> 16 -> 8 -> 4); then ``Linear(64 * h/16 * w/16, 256)`` with the activation and
    ``Linear(256, out_features)`` (Higgins et al. 2017; Burgess et al. 2018; Locatello et al.
    2019's conv encoder). Burgess et al. 2018 (appendix) use 32 channels in all four layers and
    two 256-unit dense layers; the 32-32-64-64 variant here is the one of Higgins et al. 2017
    and disentanglement_lib.

    Parameters
    ----------
    image_shape : (height, width) or (height, width, channels)
        Height and width divisible by 16.
    out_features : int
    activation : str, default="relu"
    """

    def __init__(self, image_shape, out_features, activation="relu"):
        super().__init__()
        self.h, self.w, self.c = _sixteenths(image_shape)
        layers, c_in = [], self.c
        for c_out in (32, 32, 64, 64):
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), _activation(activation)]
            c_in = c_out
        self.conv = nn.Sequential(*layers)
        self.dense = nn.Sequential(nn.Linear(c_in * (self.h // 16) * (self.w // 16), 256),
                                   _activation(activation))
        self.out = nn.Linear(256, out_features)

    def forward(self, x):
        x = x.reshape(-1, self.h, self.w, self.c).permute(0, 3, 1, 2)  # (batch, c, h, w)
        x = self.conv(x).flatten(1)                                     # (batch, 64*h/16*w/16)
        return self.out(self.dense(x))                                  # (batch, out_features)


class BurgessDecoder(nn.Module):
    """Codes -> images (flat): the mirror of :class:`BurgessEncoder`.

    ``Linear(in_features, 256)``, ``Linear(256, 64 * h/16 * w/16)`` (both with the activation),
    then four 4x4 stride-2 transposed convolutions with 64, 32, 32 and the image's channels
    (4 -> 8 -> 16 -> 32 -> 64); ``out_activation`` after the last.
    """

    def __init__(self, in_features, image_shape, activation="relu", out_activation="linear"):
        super().__init__()
        self.h, self.w, self.c = _sixteenths(image_shape)
        self.start = (64, self.h // 16, self.w // 16)
        self.dense = nn.Sequential(nn.Linear(in_features, 256), _activation(activation),
                                   nn.Linear(256, math.prod(self.start)),
                                   _activation(activation))
        layers = []
        outs = (64, 32, 32, self.c)
        for i, (c_in, c_out) in enumerate(zip((64, 64, 32, 32), outs)):
            layers.append(nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1))
            last = i == len(outs) - 1
            layers.append(_activation(out_activation if last else activation))
        self.deconv = nn.Sequential(*layers)

    def forward(self, z):
        x = self.dense(z).reshape(-1, *self.start)          # (batch, 64, h/16, w/16)
        x = self.deconv(x)                                  # (batch, channels, h, w)
        return x.permute(0, 2, 3, 1).flatten(1)             # (batch, h * w * channels)


# --------------------------------------------------------------------------- builders by name
#: name -> builder ``(n_in, n_out, **kw) -> nn.Module`` (see the module docstring).
NETWORKS: dict = {}


def register_network(name: str):
    """Decorator: record ``builder(n_in, n_out, **kw) -> nn.Module`` under ``name``.

    The builder receives ``role="encoder"`` (``n_in`` = n_features, ``n_out`` = the code's
    width) or ``role="decoder"`` (``n_in`` = latent_dim, ``n_out`` = n_features), and
    ``hidden``, ``image_shape``, ``conv_channels``, ``activation``, ``out_activation``. A model
    saved with ``encoder=name`` records only the name; the process that loads it must have
    registered the same builder.
    """
    if not isinstance(name, str) or not name or name == "user":
        raise ParameterError(f"a network name must be a non-empty string other than 'user'; "
                             f"got {name!r}.")

    def decorate(fn):
        if name in NETWORKS and NETWORKS[name] is not fn:
            raise ParameterError(f"network name {name!r} is registered already.")
        NETWORKS[name] = fn
        return fn

    return decorate


def network_names() -> list[str]:
    return sorted(NETWORKS)


def build_network(name, role, n_in, n_out, **kw) -> nn.Module:
    """The network the builder registered as ``name`` returns for ``role`` and these sizes."""
    if role not in ("encoder", "decoder"):
        raise ParameterError(f"role={role!r} must be 'encoder' or 'decoder'.")
    if name not in NETWORKS:
        raise ParameterError(f"{role} network {name!r} is not registered; use one of "
                             f"{', '.join(network_names())}, register a builder with "
                             f"latentlearn.neural.networks.register_network, or pass an "
                             f"nn.Module.")
    kw.setdefault("out_activation", "linear")
    net = NETWORKS[name](n_in, n_out, role=role, **kw)
    if not isinstance(net, nn.Module):
        raise ParameterError(f"the builder registered as {name!r} returned a "
                             f"{type(net).__name__}, not an nn.Module.")
    return net


def _need_image(name, image_shape):
    if image_shape is None:
        raise ParameterError(f"architecture={name!r} needs the image shape: fit on a Dataset "
                             f"with image_shape, or pass image_shape=(height, width).")


def _with_out(net, out_activation):
    return net if out_activation == "linear" else nn.Sequential(net, _activation(out_activation))


@register_network("mlp")
def _build_mlp(n_in, n_out, *, role, hidden=(128,), activation="relu", out_activation="linear",
               **_):
    widths = list(hidden) if role == "encoder" else list(hidden)[::-1]
    return MLP([n_in, *widths, n_out], activation, out_activation)


@register_network("conv")
def _build_conv(n_in, n_out, *, role, image_shape=None, conv_channels=(32, 64),
                activation="relu", out_activation="linear", **_):
    _need_image("conv", image_shape)
    if role == "encoder":
        return _with_out(ConvEncoder(image_shape, n_out, conv_channels, activation),
                         out_activation)
    return ConvDecoder(n_in, image_shape, conv_channels, activation, out_activation)


@register_network("burgess")
def _build_burgess(n_in, n_out, *, role, image_shape=None, activation="relu",
                   out_activation="linear", **_):
    _need_image("burgess", image_shape)
    if role == "encoder":
        return _with_out(BurgessEncoder(image_shape, n_out, activation), out_activation)
    return BurgessDecoder(n_in, image_shape, activation, out_activation)


def check_network(module, role, n_in, n_out):
    """Raise ParameterError unless ``module`` maps ``(2, n_in)`` to ``(2, n_out)``.

    Runs one forward pass on zeros in eval mode without gradients (so batch-norm statistics do
    not move) and with the caller's random-number state restored afterwards.
    """
    if not isinstance(module, nn.Module):
        raise ParameterError(f"{role}= must be an nn.Module or a registered network name "
                             f"({', '.join(network_names())}); got {type(module).__name__}.")
    try:
        ref = next(iter(module.parameters()))
        dtype, device = ref.dtype, ref.device
    except StopIteration:
        dtype, device = torch.float32, torch.device("cpu")
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            out = module(torch.zeros(2, n_in, dtype=dtype, device=device))
    except Exception as exc:
        raise ParameterError(f"the {role} {type(module).__name__} failed on a batch of shape "
                             f"(batch, {n_in}): {exc}. An {role} maps (batch, {n_in}) to "
                             f"(batch, {n_out}).") from None
    finally:
        module.train(was_training)
    shape = tuple(getattr(out, "shape", ()))
    if shape != (2, n_out):
        what = ("2 * latent_dim for the VAE family, latent_dim for the autoencoders"
                if role == "encoder" else "n_features")
        raise ParameterError(f"the {role} {type(module).__name__} maps (2, {n_in}) to "
                             f"{shape}; expected (2, {n_out}) ({what}).")


def network_spec(value) -> str | None:
    """What a model config records for an ``encoder=`` / ``decoder=`` value (JSON-able).

    ``None`` (use ``architecture``) and registered names are kept; a module becomes
    ``"user:<ClassName>"``, since its code cannot be saved without pickling.
    """
    if value is None or isinstance(value, str):
        return value
    return f"user:{type(value).__name__}"


def user_class_name(spec) -> str | None:
    """The class name in a ``"user:<ClassName>"`` spec, or None for any other spec."""
    if isinstance(spec, str) and (spec == "user" or spec.startswith("user:")):
        return spec.partition(":")[2] or "a user module"
    return None


def network_for(spec, module, role, n_in, n_out, *, architecture, out_activation="linear",
                **kw) -> nn.Module:
    """The encoder or decoder a model config asks for, given an injected ``module`` or None.

    ``spec`` is the config's record (:func:`network_spec`): None builds ``architecture``, a
    name builds that registered network, ``"user:<ClassName>"`` needs ``module`` (checked
    against the shape contract by :func:`check_network`; ``out_activation`` is applied after it).
    """
    cls_name = user_class_name(spec)
    if module is not None:
        if cls_name is None:
            raise ParameterError(f"an injected {role} module needs the config to record it: "
                                 f"set the config's {role}_network to "
                                 f"{network_spec(module)!r}.")
        check_network(module, role, n_in, n_out)
        return _with_out(module, out_activation)
    if cls_name is not None:
        raise ParameterError(f"this model was built with a user {role} ({cls_name}), whose "
                             f"code is not saved; pass it again: {role}={cls_name}(...).")
    return build_network(spec or architecture, role, n_in, n_out,
                         out_activation=out_activation, **kw)


def make_encoder(architecture, n_features, out_features, *, hidden=(128,), image_shape=None,
                 conv_channels=(32, 64), activation="relu", out_activation="linear"):
    """The encoder a config asks for: a registered name, ``"mlp"``, ``"conv"`` or ``"burgess"``
    (the last two need ``image_shape``)."""
    _known(architecture)
    return build_network(architecture, "encoder", n_features, out_features, hidden=hidden,
                         image_shape=image_shape, conv_channels=conv_channels,
                         activation=activation, out_activation=out_activation)


def make_decoder(architecture, latent_dim, n_features, *, hidden=(128,), image_shape=None,
                 conv_channels=(32, 64), activation="relu", out_activation="linear"):
    """The decoder mirroring :func:`make_encoder` (hidden widths reversed)."""
    _known(architecture)
    return build_network(architecture, "decoder", latent_dim, n_features, hidden=hidden,
                         image_shape=image_shape, conv_channels=conv_channels,
                         activation=activation, out_activation=out_activation)


def _known(architecture):
    if architecture not in NETWORKS:
        raise ParameterError(f"architecture={architecture!r} is not known; use one of "
                             f"{', '.join(repr(n) for n in network_names())}.")
