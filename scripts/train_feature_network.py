"""Train the "mnist" feature network of latentlearn's sample-quality metrics and ship it.

A small CNN classifier of the 10 digit classes (latentlearn.metrics.feature_network) is trained
on 4,000 of the 5,000 mnist5k images; the other 1,000 (the first 1,000 of
``numpy.random.default_rng(SEED).permutation(5000)``) are held out and its accuracy on them is
recorded. Writes ``src/latentlearn/metrics/weights/mnist_features.safetensors`` and
``mnist_features.json`` (architecture, split, accuracy, SHA-256 of the weights).

Its penultimate layer gives the features of FID-style scores (Heusel et al. 2017): numbers
comparable with each other, not with Inception-based FID.

    PYTHONPATH=src python scripts/train_feature_network.py   # ~1 min on one core
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from latentlearn.datasets import load_mnist5k
from latentlearn.metrics.feature_network import WEIGHTS_DIR, build_feature_network

CONFIG = {"name": "mnist", "image_shape": [28, 28], "channels": [32, 64], "feature_dim": 128,
          "n_classes": 10}


def held_out_rows(seed: int, n_total: int, n_held_out: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).permutation(n_total)[:n_held_out])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--n-held-out", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (the shipped weights were made with 1)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="train on only the first N training images (quick checks)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = load_mnist5k()
    X, y = data.X, data.y
    test = held_out_rows(args.seed, len(y), args.n_held_out)
    train = np.setdiff1d(np.arange(len(y)), test)[:args.n_train]
    Xtr, ytr = torch.from_numpy(X[train]), torch.from_numpy(y[train])
    Xte, yte = torch.from_numpy(X[test]), torch.from_numpy(y[test])

    net = build_feature_network(CONFIG)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=1e-4)
    # Halve the step size twice in the last half: a steadier end point than a constant rate.
    schedule = torch.optim.lr_scheduler.MultiStepLR(
        opt, milestones=[args.epochs // 2, (3 * args.epochs) // 4], gamma=0.5)
    gen = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(train), generator=gen)
        total = 0.0
        for i in range(0, len(train), args.batch_size):
            idx = order[i:i + args.batch_size]
            xb = Xtr[idx]
            # Shifts of up to 2 pixels: features that do not hinge on exact positions.
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=gen))
            xb = torch.roll(xb.reshape(-1, 28, 28), shifts=(dy, dx), dims=(1, 2)).reshape(-1, 784)
            loss = torch.nn.functional.cross_entropy(net(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        schedule.step()
        net.eval()
        with torch.no_grad():
            acc = float((net(Xte).argmax(1) == yte).float().mean())
        print(f"epoch {epoch + 1}: train loss {total / len(train):.4f}, held-out accuracy "
              f"{acc:.4f} ({time.perf_counter() - start:.0f} s)", flush=True)

    with torch.no_grad():
        mean_square = float(net.penultimate(Xtr).pow(2).mean())
        net.feature_scale.fill_(mean_square ** 0.5)

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "mnist_features.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(weights))
    weights.chmod(0o644)  # safetensors writes 0600; package data must be world-readable
    record = {
        **CONFIG,
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "features": "penultimate layer (ReLU), feature_dim values per image, divided by "
                    "feature_scale (mean square 1 over the training images)",
        "feature_scale": round(float(net.feature_scale), 6),
        "input": "rows of 784 pixels in [0, 1] (28x28, row-major), as latentlearn's mnist5k",
        "training": {"data": "mnist5k", "n_train": int(len(train)), "seed": args.seed, "epochs": args.epochs,
                     "batch_size": args.batch_size, "optimizer": "adam", "lr": args.lr,
                     "weight_decay": 1e-4, "lr_schedule": "halved at epochs/2 and 3 epochs/4",
                     "augmentation": "random shifts of up to 2 pixels",
                     "torch": torch.__version__},
        "held_out": {"rule": "sorted(numpy.random.default_rng(seed).permutation(5000)"
                             "[:n_held_out])", "seed": args.seed,
                     "n_held_out": args.n_held_out, "accuracy": round(acc, 4)},
        "note": "FID-style features; numbers are not comparable with Inception-based FID/KID.",
        "script": "scripts/train_feature_network.py",
    }
    (args.out / "mnist_features.json").write_text(json.dumps(record, indent=2) + "\n",
                                                   encoding="utf-8")
    print(f"wrote {weights} (held-out accuracy {acc:.4f})")


if __name__ == "__main__":
    main()
