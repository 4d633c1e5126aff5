"""Our VectorQuantizer beside vector-quantize-pytorch's VectorQuantize in the same VQ-VAE.

vector-quantize-pytorch (P. Wang, github.com/lucidrains/vector-quantize-pytorch) is not a
dependency: install it where it installs (``pip install -c constraints.txt
vector-quantize-pytorch``); without it this script says so and exits cleanly.

Both quantisers sit between copies of the same encoder and decoder (our ``GridEncoder`` /
``GridDecoder``: two stride-2 4x4 convolutions and two residual blocks, 28 x 28 -> a 7 x 7 grid of
D-vectors; van den Oord et al. 2017, sec. 4.1) with the same initial weights and the same initial
codebook, and train in lockstep on the same mini-batches of mnist5k (Adam on the networks' weights):
K codes, dimension D, EMA codebook updates with decay 0.99 and Laplace smoothing eps = 1e-5 (van
den Oord et al. 2017, appendix A.1), the straight-through gradient (theirs defaults to the
rotation trick of Fifty et al. 2024; ``--their-rotation-trick`` measures that too), commitment
beta = 0.25 on the squared error summed over the grid per input (theirs is a mean over elements,
rescaled by cells x D to the same loss), and no dead-code restarts unless asked for
(``--dead-code-restart 20 --their-dead-code-threshold 2``: each library's own rule, ours a code
unused for 20 batches, theirs a code whose EMA count fell below 2, each reset to encoder
outputs of the batch; ``--dead-code-threshold 2 --their-dead-code-threshold 2``: both by
their rule). Prints, side by side with ratios (ours / theirs): the held-out
reconstruction error (binary cross-entropy and squared error per image), the codebook
perplexity ``exp(H)`` of the codes of the held-out images, and the time per training step
(forward, backward and Adam step; both run in the same process, steps interleaved, so machine
load hits both alike), and the quantisers' own time (forward + backward on one batch of encoder
outputs in training mode, EMA update included).

    python benchmarks/bench_vq_vae.py --steps 400
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from latentlearn.datasets import load_mnist5k
from latentlearn.neural.models.vq_vae import (GridDecoder, GridEncoder, VectorQuantizer,
                                              codebook_perplexity)


class Ours(torch.nn.Module):
    def __init__(self, enc, dec, quantizer, beta):
        super().__init__()
        self.enc, self.dec, self.q, self.beta = enc, dec, quantizer, beta

    def forward(self, x):
        z_e = self.enc(x)                                     # (batch, 7, 7, D)
        out = self.q(z_e)
        logits = self.dec(out.z_q)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
        return rec + self.beta * out.commitment_loss, logits, out.indices.reshape(x.shape[0], -1)


class Theirs(torch.nn.Module):
    def __init__(self, enc, dec, quantizer, beta):
        super().__init__()
        self.enc, self.dec, self.q, self.beta = enc, dec, quantizer, beta

    def forward(self, x):
        z_e = self.enc(x)                                     # (batch, 7, 7, D)
        b, h, w, d = z_e.shape
        z_q, idx, commit = self.q(z_e.reshape(b, h * w, d))   # commit: mean over elements
        logits = self.dec(z_q.reshape(b, h, w, d))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1).mean()
        return rec + self.beta * commit * (h * w * d), logits, idx.reshape(b, -1)


def evaluate(model, X, K):
    model.eval()
    with torch.no_grad():
        _, logits, idx = model(X)
    model.train()
    p = torch.sigmoid(logits)
    bce = float(F.binary_cross_entropy_with_logits(logits, X, reduction="none").sum(1).mean())
    mse = float(((p - X) ** 2).sum(1).mean())
    return bce, mse, float(codebook_perplexity(idx, K))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--n-codes", type=int, default=64)
    ap.add_argument("--code-dim", type=int, default=16)
    ap.add_argument("--decay", type=float, default=0.99)
    ap.add_argument("--beta", type=float, default=0.25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quantizer-reps", type=int, default=200)
    ap.add_argument("--dead-code-restart", type=int, default=0,
                    help="ours: reset codes unused for this many batches (0: never)")
    ap.add_argument("--dead-code-threshold", type=float, default=0.0,
                    help="ours: also reset codes whose moving-average use per batch is below "
                         "this (their rule; 0: never)")
    ap.add_argument("--their-dead-code-threshold", type=float, default=0.0,
                    help="theirs: reset codes whose EMA count is below this (0: never)")
    ap.add_argument("--their-rotation-trick", action="store_true",
                    help="theirs with its default rotation trick instead of straight-through")
    args = ap.parse_args()
    try:
        from vector_quantize_pytorch import VectorQuantize
    except ImportError:
        print("vector-quantize-pytorch is not installed; skipping (pip install -c "
              "constraints.txt vector-quantize-pytorch).")
        return 0

    X = torch.as_tensor(load_mnist5k().X)
    X_train, X_test = X[:-args.n_test], X[-args.n_test:]
    K, D = args.n_codes, args.code_dim
    torch.manual_seed(args.seed)
    enc = GridEncoder((28, 28), (32, 64), D)
    dec = GridDecoder(enc.sizes, 1, (32, 64), D)
    ours_q = VectorQuantizer(K, D, update="ema", decay=args.decay, epsilon=1e-5,
                             dead_code_restart=args.dead_code_restart,
                             dead_code_threshold=args.dead_code_threshold)
    theirs_q = VectorQuantize(dim=D, codebook_size=K, decay=args.decay, eps=1e-5,
                              commitment_weight=1.0,
                              threshold_ema_dead_code=args.their_dead_code_threshold,
                              kmeans_init=False, rotation_trick=args.their_rotation_trick,
                              straight_through=False)   # True adds a Gumbel-softmax path
    with torch.no_grad():   # the same initial codebook (and EMA statistics: counts 1, sums e)
        theirs_q._codebook.embed.copy_(ours_q.codebook[None])
        theirs_q._codebook.embed_avg.copy_(ours_q.codebook[None])
        theirs_q._codebook.cluster_size.fill_(1.0)
    ours = Ours(copy.deepcopy(enc), copy.deepcopy(dec), ours_q, args.beta)
    theirs = Theirs(copy.deepcopy(enc), copy.deepcopy(dec), theirs_q, args.beta)
    opts = [torch.optim.Adam(list(m.enc.parameters()) + list(m.dec.parameters()), lr=args.lr)
            for m in (ours, theirs)]
    gen = torch.Generator().manual_seed(args.seed)
    times = [0.0, 0.0]
    per_step_perplexity = [[], []]
    step, order, at = 0, None, X_train.shape[0]
    while step < args.steps:
        if at >= X_train.shape[0]:
            order, at = torch.randperm(X_train.shape[0], generator=gen), 0
        x = X_train[order[at:at + args.batch_size]]
        at += args.batch_size
        for i, (model, opt) in enumerate(zip((ours, theirs), opts)):
            start = time.perf_counter()
            loss, _, idx = model(x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times[i] += time.perf_counter() - start
            per_step_perplexity[i].append(float(codebook_perplexity(idx, K)))
        step += 1

    (ob, om, op), (tb, tm, tp) = evaluate(ours, X_test, K), evaluate(theirs, X_test, K)
    # The quantisers alone: forward + backward on one batch of encoder outputs, interleaved.
    with torch.no_grad():
        z_fixed = ours.enc(X_train[:args.batch_size])                 # (batch, 7, 7, D)
    q_times = [0.0, 0.0]
    for _ in range(args.quantizer_reps):
        for i in range(2):
            z = z_fixed.clone().requires_grad_(True)
            start = time.perf_counter()
            if i == 0:
                out = ours_q(z)
                (out.z_q.sum() + out.commitment_loss).backward()
            else:
                b, h, w, d = z.shape
                z_q, _, commit = theirs_q(z.reshape(b, h * w, d))
                (z_q.sum() + commit).backward()
            q_times[i] += time.perf_counter() - start
    oq, tq = (1000 * t / args.quantizer_reps for t in q_times)
    last = max(1, args.steps // 10)
    ops, tps = (float(np.mean(p[-last:])) for p in per_step_perplexity)
    ot, tt = (1000 * t / args.steps for t in times)
    import vector_quantize_pytorch
    version = getattr(vector_quantize_pytorch, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v
        version = _v("vector-quantize-pytorch")
    print(f"mnist5k: {X_train.shape[0]} train / {X_test.shape[0]} held-out images, {args.steps} "
          f"steps of batch {args.batch_size}, K={K}, D={D}, EMA decay {args.decay}, beta "
          f"{args.beta}, theirs {'rotation trick' if args.their_rotation_trick else 'straight-through'}"
          f", restarts ours {args.dead_code_restart} batches unused or use < "
          f"{args.dead_code_threshold} / theirs use < {args.their_dead_code_threshold}"
          f"; torch {torch.__version__}, vector-quantize-pytorch {version}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'':38s} {'ours':>10s} {'theirs':>10s} {'ours/theirs':>12s}")
    rows = [("held-out BCE per image (nats)", ob, tb), ("held-out squared error per image", om, tm),
            ("held-out codebook perplexity", op, tp),
            (f"per-step perplexity (last {last} steps)", ops, tps),
            ("time per training step (ms)", ot, tt),
            ("quantiser alone, fwd + bwd (ms)", oq, tq)]
    for name, a, b in rows:
        print(f"{name:38s} {a:10.3f} {b:10.3f} {a / b:12.3f}")
    if not all(math.isfinite(v) for _, a, b in rows for v in (a, b)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
