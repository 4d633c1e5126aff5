"""The :class:`Figure` record and the registry of figure makers.

A figure maker is a function ``maker(result) -> iterable of Figure`` that takes a
:class:`latentlearn.runs.RunResult` and yields the figures it applies to (nothing when it does
not apply: the wrong kind of estimator, no images, too many samples...). Makers register
themselves where they are defined::

    @figure_maker(order=60)
    def figure_centroids(result):
        ...

and a run draws every registered maker in ascending ``order`` (:func:`make_figures`), so a new
family gets its figures by adding a module to :mod:`latentlearn.figures` and nothing else. A
maker registered with ``optional=True`` is known by name (:meth:`FigureRegistry.get`) but not
drawn in every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

__all__ = ["Figure", "FigureRegistry", "MakerInfo", "FIGURE_MAKERS", "figure_maker",
           "make_figures"]


@dataclass
class Figure:
    """One figure of a run folder, with its title and caption.

    ``kind="png"``: ``figure`` is a matplotlib Figure, saved as ``figures/<name>.png``.
    ``kind="bokeh"``: ``figure`` is a Bokeh model (an interactive view), saved as its JSON item
    ``figures/<name>.bokeh.json``, which the report draws with BokehJS inlined in the page.
    """

    name: str
    title: str
    caption: str
    figure: object  # matplotlib Figure, or a Bokeh model for kind="bokeh"
    kind: str = "png"

    @property
    def file_name(self) -> str:
        """The file's name inside ``figures/``."""
        return f"{self.name}.bokeh.json" if self.kind == "bokeh" else f"{self.name}.png"

    def save(self, folder) -> dict:
        """Write the figure into ``folder`` (atomically) and return its ``figures.json`` entry
        (``file`` relative to the run folder, ``title``, ``caption``, ``kind``)."""
        from pathlib import Path

        from .. import fileio

        path = Path(folder) / self.file_name
        if self.kind == "bokeh":
            from ..plots.interactive import interactive_to_json

            fileio.write_text(path, interactive_to_json(self.figure))
        else:
            fileio.save_figure(self.figure, path)
        return {"file": f"figures/{self.file_name}", "title": self.title,
                "caption": self.caption, "kind": self.kind}


@dataclass(frozen=True)
class MakerInfo:
    """A registered figure maker: its name, the function, its display order, and whether a
    run draws it."""

    name: str
    maker: Callable[[object], Iterable[Figure]]
    order: float
    optional: bool = False


class FigureRegistry:
    """Figure makers by name; iterating gives the ones every run draws, in display order."""

    def __init__(self):
        self._entries: dict[str, MakerInfo] = {}

    def register(self, maker, *, order: float, optional: bool = False):
        name = maker.__name__
        if not name.startswith("figure_"):
            raise ValueError(f"figure maker {maker.__module__}.{name} must be named figure_* "
                             f"(one naming style for makers).")
        if name in self._entries and self._entries[name].maker is not maker:
            raise ValueError(f"a figure maker named {name!r} is already registered "
                             f"({self._entries[name].maker.__module__}).")
        clash = [e.name for e in self._entries.values()
                 if e.order == order and e.name != name]
        if clash:
            raise ValueError(f"figure maker {name!r} has order {order}, already taken by "
                             f"{clash[0]!r}; orders fix the display order and must be unique.")
        self._entries[name] = MakerInfo(name, maker, float(order), bool(optional))
        return maker

    def entries(self, *, include_optional: bool = False) -> list[MakerInfo]:
        """The registered makers sorted by ``order``."""
        return sorted((e for e in self._entries.values() if include_optional or not e.optional),
                      key=lambda e: e.order)

    def get(self, name: str) -> Callable[[object], Iterable[Figure]]:
        """The maker registered as ``name`` (optional ones included)."""
        try:
            return self._entries[name].maker
        except KeyError:
            raise KeyError(f"no figure maker named {name!r}; registered: "
                           f"{', '.join(sorted(self._entries))}.") from None

    def __iter__(self) -> Iterator[Callable[[object], Iterable[Figure]]]:
        return iter([e.maker for e in self.entries()])

    def __len__(self) -> int:
        return len(self.entries())

    def __contains__(self, maker) -> bool:
        return any(e.maker is maker for e in self._entries.values())


#: Every figure maker, registered by :func:`figure_maker`.
FIGURE_MAKERS = FigureRegistry()


def figure_maker(*, order: float, optional: bool = False):
    """Register the decorated ``figure_*`` function as a figure maker.

    Parameters
    ----------
    order : float
        Display position in a run's figures (ascending; unique).
    optional : bool, default=False
        Register without drawing it in every run (call it, or look it up by name).
    """

    def decorate(maker):
        return FIGURE_MAKERS.register(maker, order=order, optional=optional)

    return decorate


def make_figures(result) -> Iterator[Figure]:
    """Every figure the registered makers draw for ``result``, in display order (lazily)."""
    for maker in FIGURE_MAKERS:
        yield from maker(result)
