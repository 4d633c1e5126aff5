#!/usr/bin/env bash
# The GPU checks of latentlearn in one run: the CUDA tests, then the GPU benchmarks.
#
# Made for a machine whose python3 already holds PyTorch with CUDA (and numpy, scipy,
# scikit-learn, numba, safetensors, typer, rich, pyarrow, pytest): the package is used from
# src/ (PYTHONPATH), nothing is installed into that python. The few dependencies such a machine
# may lack (pynndescent, mlxtend, bokeh and bokeh's tornado and xyzservices: 8.5 MB) travel as
# wheels in .whl/, made beforehand on a machine with pip:
#
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#       --platform manylinux2014_x86_64 -d .whl pynndescent mlxtend bokeh tornado xyzservices
#
# Then, there:  bash benchmarks/gpu_checks.sh [OUT]   (about 5 minutes on an H200)
# DEVICE=cpu SIZES="2000" EPOCHS=1 bash benchmarks/gpu_checks.sh   checks the script itself
# on a CPU. Results are written to OUT (default $OUT, else ./gpu_checks.out).
set -u -o pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-gpu_checks.out}}"
mkdir -p "$out"
device="${DEVICE:-cuda}"
sizes="${SIZES:-10000 20000 70000}"
epochs="${EPOCHS:-5}"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/latentlearn-site .whl/*.whl || exit 1
    export PYTHONPATH="$PWD/src:/tmp/latentlearn-site${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
fi
status=0
step() {  # step NAME COMMAND...: run it, log to OUT/NAME.log, remember a failure
    local name=$1; shift
    echo "== $name: $*"
    "$@" 2>&1 | tee "$out/$name.log"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc"
    [ "$rc" -eq 0 ] || status=1
}

python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')" | tee "$out/device.log"

# 1. The tests that run on CUDA when it is there (each also runs on the CPU in CI).
step tests python3 -m pytest -q -p no:cacheprovider -x \
    tests/sne/test_exact_torch.py tests/neural/test_trainer_data.py \
    tests/neural/test_neural_trainer.py tests/metrics/test_sample_quality.py

# 2. t-SNE with the exact gradient in torch, row blocks (target: 70,000 points under 10 s).
step tsne python3 benchmarks/bench_tsne_exact_torch.py --device "$device" --sizes $sizes \
    --repeats 2 --numba-max 5000

# 3. VAE epochs: in memory (the array is moved to the device once) and from a memory-mapped
#    file through a DataLoader with 2 workers and pinned memory (bound by the device or by
#    the loader?), both beside a hand-written loop on the same device.
step vae python3 benchmarks/bench_vae.py --device "$device" --epochs "$epochs" --repeats 2 \
    --threads 4 --iwae-k 100
step vae_memmap python3 benchmarks/bench_vae.py --device "$device" --epochs "$epochs" \
    --repeats 2 --threads 4 --iwae-k 100 --memmap
exit $status
