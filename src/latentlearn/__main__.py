"""``python -m latentlearn``: the command line (what torchrun starts on every process)."""

from .cli import app

if __name__ == "__main__":
    app(prog_name="latentlearn")
