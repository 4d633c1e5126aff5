"""Our beta-TCVAE beside pythae's, on the same dSprites images, networks and step budget.

pythae (Chadebec et al. 2022) is not a dependency: install it where it installs
(``pip install -c constraints.txt pythae``, or ``pip install --target DIR --no-deps pythae`` and
pass ``--pythae DIR``). Both models get the 64x64 convolutional networks of Burgess et al. 2018
(our ``BurgessEncoder`` / ``BurgessDecoder``, wrapped in pythae's encoder/decoder interface for
theirs), the same initial weights, the same mini-batches, Adam 1e-4... and the same weights
alpha = 1, beta = 6, gamma = 1 with minibatch stratified sampling (Chen et al. 2018). Ours trains
through the library's Trainer (the path users take); pythae's through a plain loop over its
model's ``forward`` (no pythae trainer overhead: a lower bound on its time). Prints the mean
loss per epoch of both (equal within the noise of the reparameterisation draws) and the time
per step, with its ratio.

    python benchmarks/bench_beta_tcvae_pythae.py --pythae /tmp/pythae_pkg --epochs 2
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from latentlearn.datasets.dsprites import make_dsprites
from latentlearn.neural import BetaTCVAE
from latentlearn.neural.networks import BurgessDecoder, BurgessEncoder


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pythae", default=None, help="a folder holding the pythae package")
    ap.add_argument("--n-train", type=int, default=5_000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--latent-dim", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.pythae:
        sys.path.append(args.pythae)
    from pythae.models import BetaTCVAE as PythaeBetaTCVAE
    from pythae.models import BetaTCVAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder

    X = make_dsprites(args.n_train, random_state=0).X
    d = args.latent_dim

    torch.manual_seed(args.seed)
    enc, dec = BurgessEncoder((64, 64), 2 * d), BurgessDecoder(d, (64, 64))

    class Encoder(BaseEncoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            mu, log_var = self.net(x).chunk(2, dim=-1)
            return ModelOutput(embedding=mu, log_covariance=log_var)

    class Decoder(BaseDecoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, z):
            return ModelOutput(reconstruction=torch.sigmoid(self.net(z)))

    # Ours, through the estimator and the Trainer, with copies of the same initial networks.
    import copy
    ours = BetaTCVAE(d, architecture="burgess", image_shape=(64, 64), encoder=copy.deepcopy(enc),
                     decoder=copy.deepcopy(dec), alpha=1.0, beta=6.0, gamma=1.0,
                     tc_estimator="mss", epochs=args.epochs, batch_size=args.batch_size,
                     learning_rate=args.lr, device="cpu", random_state=args.seed)
    start = time.perf_counter()
    ours.fit(X)
    ours_s = time.perf_counter() - start
    steps = ours.n_iter_

    config = BetaTCVAEConfig(input_dim=(X.shape[1],), latent_dim=d, reconstruction_loss="bce",
                             alpha=1.0, beta=6.0, gamma=1.0, use_mss=True)
    theirs = PythaeBetaTCVAE(config, encoder=Encoder(copy.deepcopy(enc)),
                             decoder=Decoder(copy.deepcopy(dec)))
    opt = torch.optim.Adam(theirs.parameters(), lr=args.lr)
    data = torch.as_tensor(X)
    gen = torch.Generator().manual_seed(args.seed)
    their_losses = []
    theirs.train()
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(data.shape[0], generator=gen)
        total, count = 0.0, 0
        for i in range(0, data.shape[0], args.batch_size):
            x = data[order[i:i + args.batch_size]]
            loss = theirs({"data": x}, dataset_size=data.shape[0]).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
            count += x.shape[0]
        their_losses.append(total / count)
    theirs_s = time.perf_counter() - start

    print(f"dSprites {args.n_train} images, {args.epochs} epochs of batch {args.batch_size} "
          f"({steps} steps), latent {d}, Burgess et al. networks, MSS, torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'epoch':>5s} {'ours loss':>12s} {'pythae loss':>12s} {'ratio':>7s}")
    for e, (a, b) in enumerate(zip([h["loss"] for h in ours.history_], their_losses), 1):
        print(f"{e:5d} {a:12.2f} {b:12.2f} {a / b:7.3f}")
    print(f"time per step: ours {1000 * ours_s / steps:.1f} ms, pythae "
          f"{1000 * theirs_s / steps:.1f} ms, ratio {ours_s / theirs_s:.2f}")


if __name__ == "__main__":
    main()
