"""Convex-flow embedding (Efros et al. 2004): Frank-Wolfe against gradient projection.

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/bench_convex_flow.py

The module's solver was Frank-Wolfe (``frank_wolfe_flow``, kept as this baseline); it is now
gradient projection on path flows (``convex_flow_distances``). Same cost function, same stopping
rule (the relative duality gap). Printed: iterations (sweeps), final gap and CPU time, on the
300-point triangle with its two shortcuts (the paper's figure 5) and on eight patch locations of
a 64-frame water video (64 points of 256 pixels each, as seeing through water embeds them).
"""

import time

import numpy as np

from latentlearn.datasets import load
from latentlearn.datasets.water import make_test_pattern, make_water_video
from latentlearn.manifold.convex_flow import convex_flow_distances, frank_wolfe_flow
from latentlearn.neighbors.graphs import add_edges, ensure_connected, neighborhood_graph


def run(solver, graphs, **kw):
    start = time.process_time()
    infos = [solver(G, **kw)[1] for G in graphs]
    cpu = (time.process_time() - start) / len(graphs)
    return infos, cpu


def main():
    cut = load("triangle", n_samples=300, shortcuts=True)
    triangle = add_edges(neighborhood_graph(cut.X, n_neighbors=8, weights="distance"),
                         cut.extras["edges"], None)
    video = make_water_video(make_test_pattern((128, 128)), 64, amplitude=2.0, random_state=0)
    patches = []
    for r, c in [(0, 0), (40, 56), (64, 64), (96, 16), (16, 100), (112, 112), (56, 8), (80, 72)]:
        X = video.frames[:, r:r + 16, c:c + 16].reshape(64, -1)
        G = neighborhood_graph(X, n_neighbors=8, weights="distance")
        patches.append(ensure_connected(G, X, on_disconnected="connect", n_neighbors=8))
    convex_flow_distances(patches[0])  # compile the kernel
    cases = [("frank-wolfe", frank_wolfe_flow, {"max_iter": 30}),
             ("frank-wolfe", frank_wolfe_flow, {"max_iter": 300}),
             ("gradient projection", convex_flow_distances, {"max_iter": 300}),
             ("gradient projection", convex_flow_distances, {"max_iter": 300, "tol": 1e-4})]
    for label, graphs in (("triangle, 300 points + 2 shortcuts", [triangle]),
                          ("8 water patch locations, 64 points", patches)):
        print(f"== {label} ==")
        for name, solver, kw in cases:
            kw = {"tol": 1e-3, **kw}
            infos, cpu = run(solver, graphs, **kw)
            iters = [i["n_iter"] for i in infos]
            reached = sum(i["gap"] < kw["tol"] for i in infos)
            print(f"{name:20s} max_iter={kw['max_iter']:4d} tol={kw['tol']:.0e}: iterations "
                  f"{np.mean(iters):6.1f} (max {max(iters)}), max gap "
                  f"{max(i['gap'] for i in infos):.2e}, reached tol {reached}/{len(graphs)}, "
                  f"CPU {cpu:.3f} s each")


if __name__ == "__main__":
    main()
