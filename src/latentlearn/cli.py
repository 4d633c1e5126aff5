"""The ``latentlearn`` command line: parse, build a config, call the library, write files.

No algorithm lives here. Errors a user can cause (a missing file, a bad parameter, an unknown
name) are printed as one line and exit with code 1; set ``LATENTLEARN_DEBUG=1`` for the traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                           TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table

from .exceptions import LatentLearnError, ParameterError

app = typer.Typer(
    name="latentlearn",
    help="Unsupervised representation learning: fit, measure, look at and compare methods.\n\n"
    "Shell completion: `latentlearn --install-completion` (bash, zsh, fish, PowerShell), or "
    "`latentlearn --show-completion` to print the script.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

DataOpt = Annotated[str, typer.Option("--data", "-d", help="A built-in dataset name (see "
                                      "`latentlearn datasets`) or a path to a .npy, .npz, .csv, "
                                      ".parquet file or a folder of images.")]
DataOptions = Annotated[Optional[list[str]], typer.Option(
    "--data-option", help="Option for the data loader as key=value, repeatable "
    "(e.g. n_samples=1000, label=digit, shape=(28,28)).")]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", "-s", help="Method parameter as key=value, repeatable (e.g. n_components=2).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: same seed, same result.")]
# A bool option declared with one name is an on/off flag; metavar="" keeps typer from showing
# a "<bool>" value column that suggests `--overwrite true`.
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", metavar="",
                                            help="Replace --out if it exists.")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", metavar="", help="Log what the library does, with the stage timings of "
    "the methods that have a verbose parameter (t-SNE, k-means, MDS...).")]


def _version_callback(value: bool) -> None:
    if value:
        from . import __version__

        console.print(f"latentlearn {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", metavar="", callback=_version_callback, is_eager=True,
        help="Print the version and exit.")] = False,
):
    # The app's help (with the shell-completion line) is set on typer.Typer above.
    pass


def _user_errors(func):
    """Show user errors as one line with exit code 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (LatentLearnError, ValueError, FileNotFoundError, KeyError, OSError) as exc:
            if os.environ.get("LATENTLEARN_DEBUG"):
                raise
            message = str(exc).strip().replace("\n", " ") or type(exc).__name__
            # escape: a message may hold brackets that are not markup ('latentlearn[neural]')
            err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                              soft_wrap=True)
            raise typer.Exit(code=1) from None

    return wrapper


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


class _Stages:
    """Progress of the stages the library reports through its callback: a spinner for a stage
    of unknown length, a bar (percentage, elapsed, time left) for a loop of known length."""

    def __init__(self):
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                                 TimeRemainingColumn(), console=err_console, transient=True)
        self.total = None

    def __enter__(self):
        self.progress.__enter__()
        self.task = self.progress.add_task("starting", total=None)
        return self

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if total != self.total:  # a new loop (or the end of one): restart the clock
            self.progress.reset(self.task, total=total, completed=done or 0, description=stage)
            self.total = total
        else:
            self.progress.update(self.task, description=stage, completed=done or 0)

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)


def _verbose_params(method: str, params: dict, verbose: bool) -> dict:
    """With --verbose, a method that logs its stage timings (a ``verbose`` parameter: t-SNE,
    k-means, MDS...) is asked to, unless --set chose otherwise."""
    import inspect

    from .registry import get_method

    if verbose and "verbose" in inspect.signature(get_method(method).cls).parameters:
        return {"verbose": True, **params}
    return params


def _load_data(data: str, options: list[str] | None):
    from .datasets import load
    from .runs import parse_assignments

    options = parse_assignments(options)
    dataset = load(data, **options)
    # What `latentlearn evaluate` needs to load the same data again (runs.py writes it into
    # config.json): a registered name stays a name, a file becomes an absolute path.
    source = str(Path(data).resolve()) if Path(data).exists() and dataset.extras.get("source") \
        else str(data)
    dataset.extras["load_spec"] = {"name": source, "options": options}
    return dataset


def _default_out(*parts: str) -> Path:
    return Path("runs") / "-".join(p.replace("/", "_").replace(".", "_") for p in parts)


@app.command()
@_user_errors
def datasets():
    """List the built-in and generated datasets."""
    from .datasets import list_datasets

    table = Table("name", "kind", "description")
    for entry in list_datasets():
        table.add_row(entry.name, entry.kind, entry.description)
    console.print(table)


@app.command()
@_user_errors
def methods(
    name: Annotated[Optional[str], typer.Argument(
        help="A method name: show its parameters (default, allowed values, meaning).")] = None,
):
    """List the methods that `fit` and `compare` accept, or the parameters of one (NAME).

    A parameter is set with `latentlearn fit NAME --set key=value`.
    """
    from .registry import describe_parameters, get_method, method_summaries

    if name is None:  # from the registry's table: no estimator module (nor torch) imported
        table = Table("name", "family", "what it is")
        for row in method_summaries():
            needs = ("" if row.available else
                     f" (needs `pip install 'latentlearn[{row.extra}]'`)")
            table.add_row(row.name, row.family, escape(row.summary + needs))
        console.print(table)
        return
    info = get_method(name)  # an unknown name: one line naming close matches
    table = Table("parameter", "default", "allowed", "meaning",
                  title=f"{info.name} ({info.cls.__name__}, {info.family}): {info.summary}")
    for param in describe_parameters(info.name):
        table.add_row(param.name, param.default, param.allowed, param.meaning)
    console.print(table)


@app.command()
@_user_errors
def fit(
    method: Annotated[str, typer.Argument(help="Method name, see `latentlearn methods`.")],
    data: DataOpt = "mnist5k",
    set_: SetOpt = None,
    data_option: DataOptions = None,
    out: Annotated[Optional[Path], typer.Option(help="Run folder to write "
                                                "(default runs/METHOD-DATA).")] = None,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
    verbose: VerboseOpt = False,
    nproc: Annotated[Optional[int], typer.Option(
        "--nproc", min=1, help="Train a neural model on N processes with torch.distributed "
        "(DDP; gloo on CPU, NCCL on CUDA): the same as `torchrun --nproc-per-node N -m "
        "latentlearn fit ...`. batch_size stays the global batch; rank 0 writes the run.")] = None,
):
    """Fit METHOD on --data and write a run folder with metrics, figures and report.html."""
    from .registry import get_method
    from .runs import check_out_folder, parse_assignments, run_method

    _setup_logging(verbose)
    params = parse_assignments(set_)
    under_torchrun = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if (nproc or 1) > 1 or under_torchrun:
        info = get_method(method)
        if info.kind != "neural":
            how = "--nproc" if not under_torchrun else "torchrun"
            raise ParameterError(f"{how}: {info.name} is not a neural model; only those "
                                 f"train on several processes (see `latentlearn methods`). "
                                 f"Fit it in one process; for data larger than memory use "
                                 f"--data-option mmap=true (PCA, KMeans, MiniBatchKMeans).")
    if (nproc or 1) > 1 and not under_torchrun:
        from .neural.distributed import launch

        out = out or _default_out(method, Path(data).stem if Path(data).exists() else data)
        check_out_folder(out, overwrite)   # before training, not after it
        argv = ["fit", method, "--data", data, "--out", str(out), "--seed", str(seed)]
        argv += [a for item in set_ or [] for a in ("--set", item)]
        argv += [a for item in data_option or [] for a in ("--data-option", item)]
        argv += ["--overwrite"] * overwrite + ["--verbose"] * verbose
        launch(nproc, argv, device=str(params.get("device", "auto")))   # rank 0 says "wrote"
        return
    main = True
    if under_torchrun:
        from .neural.distributed import init_from_env, is_main

        init_from_env(str(params.get("device", "auto")))
        main = is_main()
    dataset = _load_data(data, data_option)
    out = out or _default_out(method, dataset.name)
    if main:
        check_out_folder(out, overwrite)
    params = _verbose_params(method, params, verbose)
    with _Stages() if main else contextlib.nullcontext() as stages:
        run_dir = run_method(method, dataset, out, params, seed=seed, overwrite=overwrite,
                             callback=stages)
    if under_torchrun:
        import torch.distributed

        torch.distributed.destroy_process_group()
    if run_dir is None:   # a rank > 0: it trained its share, rank 0 wrote the run
        return
    console.print(f"wrote {run_dir}")
    console.print(str((run_dir / "report.html").resolve()), highlight=False, soft_wrap=True)


def _split_params(method_names: list[str], assignments: dict) -> dict:
    """``{"kmeans.n_clusters": 10, "seed_x": 1}`` -> per-method parameter dicts.

    ``method.key=value`` applies to one method; a plain ``key=value`` to every method that has
    that parameter (and it is an error if none has it).
    """
    import inspect

    from .registry import get_method

    infos = {name: get_method(name) for name in method_names}
    per_method: dict[str, dict] = {info.name: {} for info in infos.values()}
    for key, value in assignments.items():
        if "." in key:
            prefix, param = key.split(".", 1)
            per_method[get_method(prefix).name][param] = value
            continue
        takers = [i.name for i in infos.values() if key in inspect.signature(i.cls).parameters]
        if not takers:
            raise ParameterError(f"no method among {', '.join(per_method)} has a parameter "
                                 f"{key!r}; use METHOD.{key}=value to aim it at one method.")
        for name in takers:
            per_method[name][key] = value
    return per_method


@app.command()
@_user_errors
def compare(
    methods_: Annotated[list[str], typer.Argument(metavar="METHOD...",
                                                  help="Two or more method names.")],
    data: DataOpt = "mnist5k",
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", "-s", help="key=value for every method that has the parameter, or "
        "METHOD.key=value for one.")] = None,
    data_option: DataOptions = None,
    out: Annotated[Optional[Path], typer.Option(help="Folder for the runs and the comparison "
                                                "page (default runs/compare-DATA).")] = None,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
    verbose: VerboseOpt = False,
):
    """Fit several methods on the same data and write a side-by-side comparison page."""
    from .runs import compare_methods, parse_assignments

    _setup_logging(verbose)
    dataset = _load_data(data, data_option)
    params = {name: _verbose_params(name, p, verbose)
              for name, p in _split_params(methods_, parse_assignments(set_)).items()}
    out = out or _default_out("compare", dataset.name)
    with _Stages() as stages:
        page = compare_methods(list(params), dataset, out, params, seed=seed,
                               overwrite=overwrite, callback=stages)
    console.print(f"wrote {out}")
    console.print(str(Path(page).resolve()), highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def report(run_dir: Annotated[Path, typer.Argument(help="A run folder written by `fit`, or "
                                                   "a folder of runs written by `compare`.")]):
    """Rebuild the HTML report of a run folder (or the comparison page of several runs)."""
    from .report import build_comparison, build_report

    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir} is not a folder; pass a run folder written by "
                                f"`latentlearn fit` or `latentlearn compare`.")
    if (run_dir / "config.json").is_file():
        page = build_report(run_dir)
    else:
        runs = sorted(p for p in run_dir.iterdir() if (p / "config.json").is_file())
        if not runs:
            raise FileNotFoundError(f"{run_dir} holds no run (no config.json in it or in its "
                                    f"subfolders); pass a folder written by `latentlearn fit`.")
        page = build_comparison(runs, run_dir / "report.html")
    console.print(str(Path(page).resolve()), highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `latentlearn fit`.")],
    sampled: Annotated[bool, typer.Option(
        "--sampled/--no-sampled", metavar="", help="Compute the beta-VAE and FactorVAE scores on dSprites "
        "(minutes: they render and encode thousands of batches).")] = True,
    metrics: Annotated[Optional[str], typer.Option(
        "--metrics", help="Sample-quality metrics of a generative model, comma-separated: fd "
        "(Frechet distance, Heusel et al. 2017), kd (kernel distance, Binkowski et al. 2018), "
        "precision_recall (Kynkaanniemi et al. 2019), mmd (Gretton et al. 2012); e.g. "
        "--metrics fd,kd,precision_recall.")] = None,
    features: Annotated[str, typer.Option(
        "--features", help="Feature space of --metrics: auto (the shipped mnist network for "
        "28x28 images in [0, 1], else raw), mnist or raw. mnist numbers are FID-style, not "
        "comparable with Inception-based FID.")] = "auto",
    max_samples: Annotated[int, typer.Option(
        "--max-samples", min=2, help="Most generated (and real) samples --metrics compares.")
    ] = 2000,
    verbose: VerboseOpt = False,
):
    """Measure a saved run's latent code (and, with --metrics, its samples) and rebuild its report.

    Loads RUN/model, loads the run's data again, and computes (on the held-out part when the
    model held one out) the KL per latent dimension and active units (Burda et al. 2016) of a
    VAE, and on data with ground-truth factors the disentanglement scores: MIG (Chen et al.
    2018), SAP (Kumar et al. 2018), DCI (Eastwood & Williams 2018) and, on dSprites, the
    beta-VAE (Higgins et al. 2017) and FactorVAE (Kim & Mnih 2018) scores. With --metrics, a
    model that can sample draws as many samples as there are held-out (or all) rows, up to
    --max-samples, and scores them against those rows. Merges everything into
    RUN/metrics.json, draws the figures again and rebuilds RUN/report.html. (`fit` computes
    all but the beta-VAE and FactorVAE scores, which take minutes, and the sample metrics.)
    """
    from .runs import evaluate_run

    _setup_logging(verbose)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir} is not a folder; pass a run folder written by "
                                f"`latentlearn fit`.")
    with _Stages() as stages:
        computed, notes = evaluate_run(run_dir, sampled_scores=sampled, metrics=metrics,
                                       features=features, max_samples=max_samples,
                                       callback=stages)
    for note in notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    if computed:
        table = Table("metric", "value")
        for name, value in computed.items():
            shown = (", ".join(f"{v:.3g}" for v in value) if isinstance(value, list)
                     else f"{value:.4g}")
            table.add_row(name, shown)
        console.print(table)
    else:
        console.print("nothing to measure for this model and data (see the notes above).")
    console.print(f"updated {run_dir / 'metrics.json'}")
    console.print(str((run_dir / "report.html").resolve()), highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def bayes(
    out: Annotated[Path, typer.Option(help="Run folder to write.")] = Path("runs/bayes"),
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
):
    """Variational Bayes examples as a report: KL(q||p) vs KL(p||q) and VB linear regression.

    After Bishop 2006, PRML sections 10.1 (the two directions of the KL divergence) and 10.3
    (variational linear regression).
    """
    from .apps.variational_bayes import write_bayes_run

    with _Stages() as stages:
        stages("fitting the variational approximations")
        run_dir = write_bayes_run(out, seed=seed, overwrite=overwrite)
    console.print(f"wrote {run_dir}")
    console.print(str((Path(run_dir) / "report.html").resolve()), highlight=False,
                  soft_wrap=True)


@app.command()
@_user_errors
def water(
    frames: Annotated[Optional[Path], typer.Option(help="The video: a .npy array (n_frames, "
                                                   "height, width[, 3]) or a folder of "
                                                   "images.")] = None,
    demo: Annotated[bool, typer.Option("--demo", metavar="", help="Use a generated video: scikit-learn's "
                                       "china.jpg under moving water.")] = False,
    clean: Annotated[Optional[Path], typer.Option(help="The clean image (.npy or an image), "
                                                  "to score PSNR and SSIM against.")] = None,
    out: Annotated[Path, typer.Option(help="Run folder to write.")] = Path("runs/water"),
    patch_size: Annotated[int, typer.Option(help="Side of the square patches.")] = 16,
    method: Annotated[str, typer.Option(help="convex_flow, isomap or laplacian_eigenmaps.")]
    = "convex_flow",
    n_centers: Annotated[int, typer.Option(help="Patches nearest the centre averaged.")] = 1,
    n_jobs: Annotated[int, typer.Option(help="Threads over the patch locations.")] = 1,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
):
    """Seeing through water (Efros et al. 2004): recover an image filmed through moving water.

    At each patch location the frames' patches are embedded (convex-flow embedding) and the
    patch nearest the centre is taken; the report compares it with the mean and the median.
    """
    from .apps.seeing_through_water import write_water_run

    if frames is None and not demo:
        raise ValueError("pass --frames PATH (a .npy file or a folder of images) or --demo.")
    with _Stages() as stages:
        run_dir = write_water_run(out, frames=frames, clean=clean, demo=demo,
                                  patch_size=patch_size, method=method, n_centers=n_centers,
                                  n_jobs=n_jobs, seed=seed, overwrite=overwrite,
                                  callback=stages)
    console.print(f"wrote {run_dir}")
    console.print(str((Path(run_dir) / "report.html").resolve()), highlight=False,
                  soft_wrap=True)


@app.command()
@_user_errors
def sample(
    run_dir: Annotated[Path, typer.Argument(help="A run folder of a generative model "
                                            "(e.g. written by `latentlearn fit vae`).")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="How many samples.")] = 64,
    out: Annotated[Optional[Path], typer.Option(help="Where to write: a .npy array, or a .png "
                                                "grid for image data (default RUN/samples.png "
                                                "or RUN/samples.npy).")] = None,
    seed: SeedOpt = 0,
):
    """Draw new samples from the model a run folder holds (any generative method)."""
    import json

    import numpy as np

    from . import fileio, load
    from .plots import plot_image_grid

    if not (run_dir / "model").is_dir():
        raise FileNotFoundError(f"{run_dir} has no model/ folder; pass a run folder written by "
                                f"`latentlearn fit` for a generative model.")
    estimator = load(run_dir / "model")
    if not hasattr(estimator, "sample"):
        raise ValueError(f"the model in {run_dir} ({type(estimator).__name__}) cannot "
                         f"generate samples; fit a generative model (pca, vae...).")
    samples = np.asarray(estimator.sample(n, random_state=seed))
    config = json.loads((run_dir / "config.json").read_text()) \
        if (run_dir / "config.json").is_file() else {}
    shape = (config.get("dataset") or {}).get("image_shape")
    out = out or run_dir / ("samples.png" if shape else "samples.npy")
    if out.suffix == ".png":
        if not shape:
            raise ValueError(f"{run_dir} was not fitted on images; write a .npy file instead.")
        fileio.save_figure(plot_image_grid(np.clip(samples, 0, 1), tuple(shape), n_cols=8), out)
    else:
        fileio.save_npy(out, samples)
    console.print(f"wrote {n} samples to {out}")


#: What `demo` fits on mnist5k (5,000 digit images, 784 pixels): every registered method but
#: those in DEMO_SKIPPED, with settings that suit digits and keep the whole demo near three
#: CPU-minutes (188 s measured). Where a setting is there for time, the index page says so.
_NEURAL = {"hidden_dims": (256, 128), "architecture": "mlp", "batch_size": 128}
DEMO_METHODS = {
    "pca": {"n_components": 50},
    "kmeans": {"n_clusters": 10},
    "minibatch_kmeans": {"n_clusters": 10},
    "agglomerative": {"n_clusters": 10},
    "spectral_clustering": {"n_clusters": 10},
    # A K = 25 parts dictionary (Lee & Seung 1999), next to PCA's. At tol=1e-3 coordinate
    # descent converges in 260-550 sweeps on 200 to 5,000 digits (326 on mnist5k; the default
    # 1e-4 needs 420-900 there for 0.01% less error, and 200 sweeps warned).
    "nmf": {"n_components": 25, "tol": 1e-3, "max_iter": 1000},
    "ica": {"n_components": 25},
    "factor_analysis": {"n_components": 25},
    "kernel_pca": {},
    "laplacian_eigenmaps": {},
    "isomap": {},
    "lle": {},
    "mds": {},
    "convex_flow": {},
    "tsne": {"n_iter": 500},  # openTSNE's default: 250 exaggerated + 500 iterations
    "sne": {},
    # A question often asked of Kingma & Welling 2014, measured: does the VAE's 2-D latent
    # separate the digits better than a plain autoencoder's? The comparison page shows both
    # latents and their kNN accuracy.
    "ae": {"latent_dim": 2, "hidden_dims": (256, 128), "code_activation": "linear",
           "epochs": 15},
    "vae": {"latent_dim": 2, "hidden_dims": (256, 128), "architecture": "mlp", "epochs": 15},
    "denoising_ae": {**_NEURAL, "latent_dim": 2, "epochs": 5},
    "sparse_ae": {**_NEURAL, "latent_dim": 32, "epochs": 5},
    "contrastive": {**_NEURAL, "latent_dim": 2, "epochs": 5},
    "beta_tcvae": {**_NEURAL, "latent_dim": 10, "epochs": 5},
    "factor_vae": {**_NEURAL, "latent_dim": 10, "epochs": 5},
    "mmd_vae": {**_NEURAL, "latent_dim": 10, "epochs": 5},
    "vq_vae": {**_NEURAL, "epochs": 5},
    "gan": {**_NEURAL, "batch_size": 64, "epochs": 5},
    "wgan": {**_NEURAL, "batch_size": 64, "epochs": 5},
    "wgan_gp": {**_NEURAL, "batch_size": 64, "epochs": 5},
}

#: Methods the demo fits on a random subset of mnist5k, and why (shown on the index page).
DEMO_SUBSAMPLE = {
    "mds": (1000, "SMACOF (de Leeuw 1977) costs O(n^2) per iteration"),
    "convex_flow": (500, "the flow solver keeps O(n^2) path tables and runs n shortest-path "
                         "searches per sweep"),
    "sne": (500, "SNE's exact gradient (Hinton & Roweis 2002) costs O(n^2) per iteration"),
}

#: Trustworthiness, continuity and the silhouettes of the demo's runs are computed on a random
#: subset of this many points: their cost grows as its square (5.5 s of CPU per run at 5,000
#: points, 0.6 s at 2,000), which over 25 runs was most of the demo's time.
DEMO_METRIC_SAMPLES = 2000

#: Registered methods the demo does not fit, and why (printed and shown on the index page).
DEMO_SKIPPED = {
    "vb_linear_regression": "a regression model: it predicts a target from the pixels, which "
                            "is not representation learning; the variational-Bayes report "
                            "shows it on its own data (Bishop 2006, PRML section 10.3)",
}


def _demo_notes(methods: dict, n_samples: int) -> dict:
    """What the index page says of a method's demo settings: a subset, or few epochs."""
    notes = {}
    for name, params in methods.items():
        if name in DEMO_SUBSAMPLE and DEMO_SUBSAMPLE[name][0] < n_samples:
            n, why = DEMO_SUBSAMPLE[name]
            notes[name] = f"fitted on a random subset of {n:,} of the {n_samples:,} points: {why}"
        elif params.get("epochs", 15) < 15:
            notes[name] = (f"trained for {params['epochs']} epochs only, to keep the demo short; "
                           f"more epochs give better results")
    return notes


@app.command()
@_user_errors
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo runs.")] = Path("runs/demo"),
    data: DataOpt = "mnist5k",
    seed: SeedOpt = 0,
    verbose: VerboseOpt = False,
):
    """Fit every registered method that suits --data (default mnist5k) and link all reports.

    Writes one run folder per method, a comparison page (report.html), the variational-Bayes
    examples (bayes/report.html) and index.html linking them all. Slow methods (MDS, SNE,
    convex flow) are fitted on a random subset and the deep models for a few epochs; the index
    page and the output say which, and which methods were skipped and why. It takes about
    three minutes of CPU time (most of it in t-SNE, the deep models and the graph embeddings).
    """
    from .apps.variational_bayes import write_bayes_run
    from .datasets import load
    from .registry import get_method
    from .report.index import build_index
    from .runs import compare_methods

    _setup_logging(verbose)
    dataset = load(data)
    methods = list(DEMO_METHODS)
    params = {name: _verbose_params(name, p, verbose) for name, p in DEMO_METHODS.items()}
    subsample = {name: n for name, (n, _) in DEMO_SUBSAMPLE.items() if name in DEMO_METHODS}
    with _Stages() as stages:
        page = compare_methods(methods, dataset, out, params, seed=seed, overwrite=True,
                               subsample=subsample, metric_max_samples=DEMO_METRIC_SAMPLES,
                               callback=stages)
        stages("variational Bayes examples")
        bayes_dir = write_bayes_run(out / "bayes", seed=seed, overwrite=True)
    notes = _demo_notes(DEMO_METHODS, dataset.n_samples)
    remarks = []
    if DEMO_METRIC_SAMPLES < dataset.n_samples:
        remarks.append(f"Trustworthiness, continuity (Venna & Kaski 2001) and the silhouettes "
                       f"are computed on a random {DEMO_METRIC_SAMPLES:,} of the points of "
                       f"each run, to keep the demo short; `latentlearn fit` uses up to 5,000.")
    skipped = {get_method(name).name: why for name, why in DEMO_SKIPPED.items()}
    index = build_index(out, [out / get_method(name).name for name in methods],
                        comparison=page, extra_reports={"Variational Bayes examples "
                                                        "(Bishop 2006, PRML chapter 10)":
                                                        bayes_dir / "report.html"},
                        notes=notes, skipped=skipped, remarks=remarks,
                        title=f"latentlearn demo on {dataset.name}")
    console.print(f"fitted {len(methods)} methods on {dataset.name} ({dataset.n_samples} x "
                  f"{dataset.n_features}): {', '.join(methods)}", highlight=False)
    for remark in remarks:
        console.print(remark, highlight=False)
    for name, note in notes.items():
        console.print(f"  {name}: {note}", highlight=False)
    for name, why in skipped.items():
        console.print(f"skipped {name}: {why}", highlight=False)
    console.print("index of every report:", highlight=False)
    console.print(str(Path(index).resolve()), highlight=False, soft_wrap=True)


def main():  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
