"""User-facing text cites the literature, never the internal lecture notes "seed 000".."seed 004".

Users have no copy of those notes, so a docstring, comment, string, README line or CLI help text
that says "seed 001" or "seeds 000-004" points them at nothing. The scan reads the raw text of
every ``.py`` file under ``src/latentlearn`` (a superset of its docstrings, strings and comments),
``README.md``, the documentation site's sources (``docs/``) and gallery (``examples/``), and the
rendered ``--help`` of every CLI command, and names ``file:line`` for each
mention. Random seeds (``random_state``, ``seed=0``, "seeded") do not match: the pattern needs the
word "seed"/"seeds" followed (possibly across a line break, a comment ``#`` or a quote) by a
three-digit number starting ``00``.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "latentlearn"

# "seed 001", "Seed 004's", "seeds 000-004", and a mention broken over lines: "(seed\n001" or
# "seed\n    # 001". The gap may hold only spaces, newlines, comment marks, quotes and "(".
LECTURE_MENTION = re.compile(r"\bseeds?\b[\s#\"'(]*00\d", re.IGNORECASE)

# The same notes named without a number: "the seed's figure 4", "The seed writes ...", "in the
# seed", "Two of the seeds misprint", "the lecture notes". None of these reads as a random seed
# ("the same seed gives the same result", "seeds the initialisation" do not match).
UNNUMBERED_MENTION = re.compile(
    r"\bseeds?(?:'s|')"
    r"|\b(?:of|in|from) the seeds?\b"
    r"|\bthe seeds?\s+(?:writes?|says?|misprints?|calls?|lists?|uses?|notation|example)\b"
    r"|\blecture\b",
    re.IGNORECASE,
)


def find_mentions(text: str, where: str, pattern: re.Pattern = LECTURE_MENTION) -> list[str]:
    """``"where:line: excerpt"`` for every match of ``pattern`` (a lecture-notes mention)."""
    found = []
    for match in pattern.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(f"{where}:{line}: {' '.join(match.group().split())!r}")
    return found


# The documentation site's sources and the gallery examples (not the build output under
# docs/_build, docs/api and docs/auto_examples, which is generated from these and from src).
DOCS_OUTPUT = ("_build", "api", "auto_examples")


def _docs_files() -> list[Path]:
    docs = [p for p in sorted((ROOT / "docs").rglob("*"))
            if p.is_file() and p.suffix in (".rst", ".py", ".txt", ".html")
            and p.relative_to(ROOT / "docs").parts[0] not in DOCS_OUTPUT]
    return docs + sorted((ROOT / "examples").rglob("*.py")) + sorted(
        (ROOT / "examples").rglob("*.rst"))


def _source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py")) + [ROOT / "README.md"] + _docs_files()


def test_scan_reaches_the_docs_and_the_examples():
    names = {p.name for p in _docs_files()}
    assert {"conf.py", "index.rst", "neural.rst", "plot_vae.py"} <= names


def test_pattern_catches_mentions_and_spares_random_seeds():
    planted = [
        "Seed 004's variational examples",
        "the k-means objective (seed 000)",
        "as in seeds 000-004",
        'Roweis & Saul (2000) (seed\n001, "LLE")',
        "see the notes (seed\n    # 003, II.1)",
        "SEED 002",
    ]
    for text in planted:
        assert find_mentions(text, "planted"), text
    spared = [
        "random_state : int, default=0\n    Seed of the subset.",
        "seed=0",
        "seeded with 1001 draws",
        "rng = np.random.default_rng(seed); x = 0.001",
        "seeds 0, 1 and 2",
        "the same seed gives 100 identical runs",
    ]
    for text in spared:
        assert not find_mentions(text, "spared"), text
    assert find_mentions("a\nb\nc (seed 001)", "f.py") == ["f.py:3: 'seed 001'"]


def test_unnumbered_pattern_catches_mentions_and_spares_random_seeds():
    planted = [
        "(figure 4 of the seed: the cliques",
        "the seed's objective",
        "The seed writes ``V ~ W H``",
        "Two of the seeds misprint this line",
        "the seeds' misprints",
        "as in the lecture notes",
    ]
    for text in planted:
        assert find_mentions(text, "planted", UNNUMBERED_MENTION), text
    spared = [
        "Seeds the initialisation. The same seed gives the same result, bit for bit.",
        "Runs from different seeds; the one with the lowest inertia is kept.",
        "k-means++ seeds, vectorised with numpy",
        "Seed of the subset; ignored when ``n_samples`` is None.",
        "the first call also seeds the centres from ``X``",
    ]
    for text in spared:
        assert not find_mentions(text, "spared", UNNUMBERED_MENTION), text


def test_no_lecture_references_in_source_and_readme():
    files = _source_files()
    assert len(files) > 50  # the scan really walked the package
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        found += find_mentions(text, str(path.relative_to(ROOT)))
    assert not found, (
        f"{len(found)} mention(s) of the internal lecture notes; cite the paper or book instead:\n"
        + "\n".join(found)
    )


def test_no_unnumbered_lecture_references_in_source_and_readme():
    found = []
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        found += find_mentions(text, str(path.relative_to(ROOT)), UNNUMBERED_MENTION)
    assert not found, (
        f"{len(found)} mention(s) of the internal lecture notes ('the seed', 'lecture'); cite the "
        "paper or book instead:\n" + "\n".join(found)
    )


def _command_paths(command, path: tuple[str, ...] = ()):
    """``(path, command)`` for the command and, recursively, every subcommand of a group."""
    yield path, command
    # Typer (0.29) vendors click privately, so groups are recognised by their ``commands``.
    subcommands = getattr(command, "commands", None) or {}
    for name, sub in sorted(subcommands.items()):
        yield from _command_paths(sub, path + (name,))


def test_no_lecture_references_in_cli_help():
    from latentlearn.cli import app

    root = typer.main.get_command(app)
    runner = CliRunner()
    found = []
    paths = list(_command_paths(root))
    assert len(paths) > 5  # every command was reached
    for path, command in paths:
        where = "latentlearn " + " ".join(path + ("--help",))
        # The raw help strings, as declared (no wrapping) ...
        texts = [command.help or "", command.short_help or "", command.epilog or ""]
        texts += [getattr(param, "help", None) or "" for param in command.params]
        for text in texts:
            for pattern in (LECTURE_MENTION, UNNUMBERED_MENTION):
                found += find_mentions(text, where + " (declared)", pattern)
        # ... and the rendered page, with rich's panel borders taken out so that a mention
        # wrapped onto the next line of a panel still reads "seed 001".
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
        assert result.exit_code == 0, (where, result.output)
        page = re.sub(r"[\u2500-\u257f]", " ", result.output)
        for pattern in (LECTURE_MENTION, UNNUMBERED_MENTION):
            found += find_mentions(page, where, pattern)
    assert not found, (
        f"{len(found)} mention(s) of the internal lecture notes in the CLI help:\n"
        + "\n".join(found)
    )
