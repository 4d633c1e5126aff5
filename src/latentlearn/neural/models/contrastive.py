"""A siamese network trained on pairs (or triplets) with a margin: DrLIM and the triplet loss.

One network ``G_W`` (Bromley et al. 1993, "Signature verification using a siamese time delay
neural network": two copies sharing their weights) maps inputs to a low-dimensional code, and
is trained so that similar inputs get near codes and dissimilar ones codes at least a margin
``m`` apart. With ``D = ||G_W(x1) - G_W(x2)||`` (Euclidean), the contrastive loss of one pair is
that of Hadsell, Chopra & LeCun 2006 ("Dimensionality reduction by learning an invariant
mapping", DrLIM, eq. 4)::

    L(Y, x1, x2) = (1 - Y) D^2 / 2 + Y max(0, m - D)^2 / 2

with **Y = 0 for a similar pair and Y = 1 for a dissimilar one**, the paper's convention
(Chopra, Hadsell & LeCun 2005 and many libraries use the reverse, Y = 1 for "similar"): similar
pairs are pulled together, dissimilar ones pushed out to the margin and then left alone. The
triplet loss of an anchor a, a positive p and a negative n (Weinberger & Saul 2009's large
margin on squared distances; Schroff, Kalenichenko & Philbin 2015, FaceNet, eq. 1)::

    L(a, p, n) = max(0, D(a, p)^2 - D(a, n)^2 + m)

(FaceNet normalises codes to the unit sphere; here they are left free, for 2-D maps.)

Pairs. DrLIM marks each input's k nearest neighbours in input space similar and every other
input dissimilar; with class labels, inputs of the same class are similar. Each anchor (the
training "batch" the :class:`~latentlearn.neural.trainer.Trainer` shuffles is a column of input
indices) is paired per epoch with ``n_neighbors`` positives -- its k nearest neighbours, or
that many inputs drawn from its class -- and with ``negatives_per_positive`` negatives per
positive, drawn uniformly from the inputs that are not similar to it (exactly uniform over that
set: no rejection). The triplets are the same draws, each positive with its negatives. Draws use
torch's global generator, which the Trainer seeds and checkpoints: the same seed gives the same
weights, and a resumed run the weights of an uninterrupted one.

Distances are ``sqrt(max(D^2, 1e-12))`` in the hinge so that coinciding codes have a finite
gradient; the loss is the formula for any ``D >= 1e-6``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ...exceptions import ParameterError
from ..networks import network_for
from . import StepOutput, register_model

__all__ = ["ContrastiveConfig", "ContrastiveNetwork", "contrastive_loss", "triplet_loss",
           "draw_knn_pairs", "draw_label_pairs"]

_MIN_SQUARED_DISTANCE = 1e-12
_TRAINING_BUFFERS = ("train_X", "neighbors", "labels", "order", "count", "start", "rank")


def _squared_distance(a, b):
    return ((a - b) ** 2).sum(-1)


def contrastive_loss(z1, z2, y, margin):
    """DrLIM's loss per pair (Hadsell et al. 2006, eq. 4): ``(batch,)``.

    Parameters
    ----------
    z1, z2 : Tensor of shape (batch, latent_dim)
        Codes of the two inputs of each pair.
    y : Tensor of shape (batch,)
        0 for a similar pair, 1 for a dissimilar one (the paper's convention).
    margin : float
        ``m``: dissimilar pairs farther apart than this cost nothing.
    """
    d2 = _squared_distance(z1, z2)
    d = torch.sqrt(d2.clamp_min(_MIN_SQUARED_DISTANCE))
    y = y.to(d2.dtype)
    return (1 - y) * d2 / 2 + y * torch.relu(margin - d) ** 2 / 2


def triplet_loss(anchor, positive, negative, margin):
    """``max(0, D(a, p)^2 - D(a, n)^2 + m)`` per triplet (Schroff et al. 2015): ``(batch,)``."""
    return torch.relu(_squared_distance(anchor, positive)
                      - _squared_distance(anchor, negative) + margin)


def _draw(high, shape, device):
    """Uniform integers in ``[0, high)`` (``high`` a tensor broadcast to ``shape``)."""
    u = torch.rand(shape, device=device)
    return torch.minimum((u * high).long(), high.long() - 1)


def draw_knn_pairs(neighbors, anchors, n_negatives):
    """Positives and negatives of ``anchors`` under DrLIM's k-nearest-neighbour similarity.

    Parameters
    ----------
    neighbors : LongTensor of shape (n_samples, k)
        Row i: the k nearest neighbours of input i (not i itself), each row sorted.
    anchors : LongTensor of shape (batch,)
    n_negatives : int
        Negatives per positive.

    Returns
    -------
    positives : LongTensor of shape (batch, k)
        The anchors' neighbours.
    negatives : LongTensor of shape (batch, k, n_negatives)
        Uniform draws from the ``n - k - 1`` inputs that are neither the anchor nor one of its
        neighbours.
    """
    n, k = neighbors.shape
    positives = neighbors[anchors]                                          # (batch, k)
    excluded, _ = torch.sort(torch.cat([anchors[:, None], positives], 1), 1)  # (batch, k + 1)
    high = torch.full((), n - k - 1, device=anchors.device)
    r = _draw(high, (anchors.shape[0], k * n_negatives), anchors.device)   # (batch, k * neg)
    # The r-th input not excluded: step over each excluded index at or below it, in order.
    for j in range(k + 1):
        r = r + (excluded[:, j:j + 1] <= r).long()
    return positives, r.reshape(-1, k, n_negatives)


def draw_label_pairs(order, start, count, rank, labels, anchors, n_positives, n_negatives):
    """Positives (same class) and negatives (other classes) of ``anchors``, drawn uniformly.

    ``order`` sorts the inputs by class; class c occupies ``order[start[c]:start[c] +
    count[c]]``; ``rank[i]`` is input i's position in its class's block. Positives are drawn
    from the class without the anchor itself (with replacement), negatives from the other
    classes.

    Returns
    -------
    positives : LongTensor of shape (batch, n_positives)
    negatives : LongTensor of shape (batch, n_positives, n_negatives)
    """
    batch, device = anchors.shape[0], anchors.device
    c = labels[anchors]
    s, m = start[c][:, None], count[c][:, None]                             # (batch, 1)
    r = _draw(m - 1, (batch, n_positives), device)
    r = r + (r >= rank[anchors][:, None]).long()                            # skip the anchor
    positives = order[s + r]
    r = _draw(order.shape[0] - m, (batch, n_positives * n_negatives), device)
    r = r + m * (r >= s).long()                                             # skip the class
    return positives, order[r].reshape(batch, n_positives, n_negatives)


@dataclass
class ContrastiveConfig:
    n_features: int
    latent_dim: int = 2
    hidden: tuple = (256, 128)
    activation: str = "relu"
    architecture: str = "mlp"       # a registered network: "mlp", "conv", "burgess"
    image_shape: tuple | None = None
    conv_channels: tuple = (32, 64)
    encoder_network: str | None = None  # None: architecture; a registered name; "user:<Class>"
    loss: str = "contrastive"       # "contrastive" (Hadsell et al. 2006) or "triplet"
    margin: float = 1.0
    n_neighbors: int = 5            # positives per anchor: k nearest neighbours, or k draws
    negatives_per_positive: int = 1
    pairs: str = "knn"              # "knn" (DrLIM) or "labels"; set by fit


@register_model("contrastive")
class ContrastiveNetwork(nn.Module):
    """A siamese encoder ``G_W`` trained on pairs by DrLIM's loss or on triplets."""

    config_class = ContrastiveConfig

    def __init__(self, config: ContrastiveConfig, *, encoder=None):
        super().__init__()
        c = self.config = config
        if c.loss not in ("contrastive", "triplet"):
            raise ParameterError(f"loss={c.loss!r} is not known; use 'contrastive' or "
                                 f"'triplet'.")
        self.encoder = network_for(c.encoder_network, encoder, "encoder", c.n_features,
                                   c.latent_dim, architecture=c.architecture, hidden=c.hidden,
                                   image_shape=c.image_shape, conv_channels=c.conv_channels,
                                   activation=c.activation)
        for name in _TRAINING_BUFFERS:   # the training set and its similarity (fit only)
            self.register_buffer(name, None, persistent=False)

    def encode(self, x):
        return self.encoder(x)                                   # (batch, latent_dim)

    # ----------------------------------------------------------------- training data
    def attach_training_data(self, X, *, neighbors=None, labels=None):
        """The inputs the trainer's index batches point into, and what makes pairs similar.

        ``neighbors`` (n, k) int for kNN pairs, or ``labels`` (n,) int class codes 0..C-1.
        Non-persistent buffers: they move with the model (``.to(device)``) but are not saved.
        """
        device = next(self.parameters()).device
        self.train_X = torch.as_tensor(X, dtype=torch.float32, device=device)
        if neighbors is not None:
            neighbors = torch.as_tensor(neighbors, dtype=torch.long, device=device)
            self.neighbors = torch.sort(neighbors, 1)[0]
            return
        labels = torch.as_tensor(labels, dtype=torch.long, device=device)
        order = torch.argsort(labels, stable=True)
        count = torch.bincount(labels)
        start = torch.cumsum(count, 0) - count
        rank = torch.empty_like(labels)
        rank[order] = torch.arange(labels.shape[0], device=device) - start[labels[order]]
        self.labels, self.order, self.count, self.start, self.rank = (labels, order, count,
                                                                      start, rank)

    def detach_training_data(self):
        for name in _TRAINING_BUFFERS:
            setattr(self, name, None)

    def draw_pairs(self, anchors):
        """(positives (batch, k), negatives (batch, k, negatives_per_positive)) indices."""
        c = self.config
        if self.train_X is None:
            raise ParameterError("this network has no training data attached; train it "
                                 "through latentlearn.neural.ContrastiveEmbedding.fit.")
        if self.neighbors is not None:
            return draw_knn_pairs(self.neighbors, anchors, c.negatives_per_positive)
        return draw_label_pairs(self.order, self.start, self.count, self.rank, self.labels,
                                anchors, c.n_neighbors, c.negatives_per_positive)

    def training_step(self, batch) -> StepOutput:
        c = self.config
        anchors = batch[:, 0].long()                             # (batch,) input indices
        positives, negatives = self.draw_pairs(anchors)
        X = self.train_X
        b, k, r = negatives.shape
        za = self.encode(X[anchors])                             # (batch, latent)
        zp = self.encode(X[positives.reshape(-1)]).reshape(b, k, -1)
        zn = self.encode(X[negatives.reshape(-1)]).reshape(b, k, r, -1)
        za_p, za_n = za[:, None].expand_as(zp), za[:, None, None].expand_as(zn)
        d_pos = torch.sqrt(_squared_distance(za_p, zp).detach())
        d_neg = torch.sqrt(_squared_distance(za_n, zn).detach())
        terms = {"positive_distance": d_pos.mean(), "negative_distance": d_neg.mean(),
                 "negatives_within_margin": (d_neg < c.margin).float().mean()}
        if c.loss == "triplet":
            per = triplet_loss(za_n, zp[:, :, None].expand_as(zn), zn, c.margin)
            terms["active_triplets"] = (per.detach() > 0).float().mean()
            return StepOutput(per.mean(), terms)
        similar = contrastive_loss(za_p, zp, torch.zeros(b, k, device=za.device), c.margin)
        dissimilar = contrastive_loss(za_n, zn, torch.ones(b, k, r, device=za.device),
                                      c.margin)
        # The mean over all pairs of the batch: k similar and k * r dissimilar per anchor.
        loss = (similar.sum() + dissimilar.sum()) / (b * k * (1 + r))
        terms.update(similar_loss=similar.detach().mean(),
                     dissimilar_loss=dissimilar.detach().mean())
        return StepOutput(loss, terms)
