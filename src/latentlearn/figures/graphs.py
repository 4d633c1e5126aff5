"""Figures of graph embedders: the neighbourhood graph over its data, the manifold unrolled and
coloured by its true coordinate, and Isomap against convex flow when the graph has shortcuts
(Efros et al. 2004, "Seeing through water", figure 5)."""

from __future__ import annotations

from scipy import sparse
from scipy.spatial import procrustes
from scipy.stats import spearmanr

from ..plots import plot_graph, plot_shortcut_robustness, plot_unrolled
from ._registry import Figure, figure_maker

__all__ = ["figure_graph", "figure_unrolled", "figure_shortcut_robustness"]


def _graph_of(estimator):
    for name in ("graph_", "affinity_matrix_"):
        G = getattr(estimator, name, None)
        if G is not None and sparse.issparse(G):
            return G
    return None


@figure_maker(order=20)
def figure_graph(result):
    """The fitted neighbourhood graph over 2-D or 3-D data (estimators with ``graph_``)."""
    r = result
    G = _graph_of(r.estimator)
    X = r.dataset.X
    if G is None or X.shape[1] not in (2, 3) or G.shape[0] != X.shape[0]:
        return
    colour = r.dataset.factors[:, 0] if r.dataset.factors is not None else r.dataset.y
    extra = getattr(r.estimator, "extra_edges", None)
    yield Figure("graph", "Neighbourhood graph",
                 f"The graph the method embedded ({G.nnz // 2} edges) drawn over the data"
                 + ("; extra edges in red." if extra is not None else "."),
                 plot_graph(X, G, colour=colour, highlight=extra,
                            title=f"{r.method}: neighbourhood graph"))


@figure_maker(order=21)
def figure_unrolled(result):
    """The embedding coloured by the first true factor, with ``|Spearman rho|`` in the caption."""
    r = result
    if (r.family != "manifold" or r.embedding is None or r.embedding.shape[1] < 2
            or r.dataset.factors is None):
        return
    t = r.dataset.factors[:, 0]
    name = r.dataset.factor_names[0] if r.dataset.factor_names else "factor 0"
    rho = max(abs(spearmanr(r.embedding[:, j], t)[0]) for j in range(2))
    yield Figure("unrolled", f"Unrolled, coloured by the true {name}",
                 f"Embedding coloured by the true coordinate {name!r}; the best |Spearman rho| "
                 f"between an embedding coordinate and {name!r} is {rho:.3f}.",
                 plot_unrolled(r.embedding, t, name=name,
                               title=f"{r.method} on {r.dataset.name}"))


@figure_maker(order=22)
def figure_shortcut_robustness(result):
    """Isomap against convex flow when the data carry shortcut edges (``extras["edges"]``).

    Applies to graph embedders (those with an ``extra_edges`` parameter) on data whose extras
    hold shortcut edges, e.g. ``load("triangle", shortcuts=True)``; fits both methods with the
    run's ``n_neighbors``. The experiment of Efros et al. 2004, "Seeing through water",
    figure 5.
    """
    from ..manifold import ConvexFlowEmbedding, Isomap

    r = result
    edges = (r.dataset.extras or {}).get("edges")
    params = r.estimator.get_params()
    if (edges is None or len(edges) == 0 or "extra_edges" not in params
            or r.dataset.factors is None or r.dataset.factors.shape[1] != 2
            or r.dataset.n_samples > 2000):
        return
    X, truth = r.dataset.X, r.dataset.factors
    k = params.get("n_neighbors", 8)
    iso = Isomap(n_neighbors=k, extra_edges=edges, n_landmarks=None).fit(X)
    flow = ConvexFlowEmbedding(n_neighbors=k, extra_edges=edges).fit(X)
    clean = Isomap(n_neighbors=k, n_landmarks=None).fit(X)
    embeddings = {"Isomap": iso.embedding_, "convex flow": flow.embedding_}
    disparities = {name: float(procrustes(truth, Y)[2]) for name, Y in embeddings.items()}
    clean_disparity = float(procrustes(truth, clean.embedding_)[2])
    yield Figure(
        "shortcut_robustness", "Isomap against convex flow with shortcut edges",
        f"After Efros et al. 2004, \"Seeing through water\", figure 5: {len(edges)} erroneous "
        f"shortcut edge(s) of neighbour-like length (red) added to the {k}-NN graph. Procrustes "
        f"disparity to the true coordinates: Isomap {disparities['Isomap']:.3f} (without "
        f"shortcuts {clean_disparity:.3f}), convex flow {disparities['convex flow']:.3f}. "
        "Embeddings aligned to the truth by Procrustes.",
        plot_shortcut_robustness(truth, iso.graph_, edges, embeddings, disparities))
