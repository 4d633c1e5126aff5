"""Seeing through water (Efros et al. 2004): time, peak memory and image quality.

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/bench_water.py [--quick]

1. Time and peak memory of ``restore`` on a 64-frame 128 x 128 grey video (16-pixel patches,
   stride 8: 225 locations, convex-flow embedding), with n_jobs 1 and 2 (threads: the
   convex-flow kernel releases the GIL). Wall and CPU time, and the load average (on a shared
   machine the wall time says more about the neighbours than about us). Peak memory: the
   tracemalloc peak of numpy's arrays during the call, and the peak resident set of the process.
2. PSNR / SSIM (scikit-image) against the clean image of ours (one and three centres), the mean,
   the median and the patches closest to them, on generated videos (amplitude 2 pixels) of a
   generated test pattern and of scikit-learn's china.jpg (grey, resized to 128 x 128), with
   16- and 8-pixel patches. "best frame" is the ceiling of any method that picks one frame per
   location: the frame whose patch is nearest the clean one (it needs the answer).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

import numpy as np

from latentlearn.apps.seeing_through_water import patch_locations, quality, restore, score_all
from latentlearn.datasets.water import load_china_image, make_test_pattern, make_water_video


def timed(frames, **kw):
    tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    result = restore(frames, **kw)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, cpu, peak


def best_frame(video, patch_size):
    """Stitched patches of the frames nearest the clean image (an oracle)."""
    frames, clean = video.frames, video.image
    locations = patch_locations(clean.shape, patch_size, patch_size // 2)
    w = np.sin(np.pi * (np.arange(patch_size) + 0.5) / patch_size) ** 2
    w = np.outer(w, w)
    out, weight = np.zeros(clean.shape), np.zeros(clean.shape)
    for r, c in locations:
        P = frames[:, r:r + patch_size, c:c + patch_size]
        k = int(np.argmin(((P - clean[r:r + patch_size, c:c + patch_size]) ** 2).sum(axis=(1, 2))))
        out[r:r + patch_size, c:c + patch_size] += w * P[k]
        weight[r:r + patch_size, c:c + patch_size] += w
    return quality(clean, out / weight)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 64 x 64 video instead")
    args = parser.parse_args()
    size = 64 if args.quick else 128
    image = make_test_pattern((size, size))
    video = make_water_video(image, 64, amplitude=2.0, random_state=0)
    restore(video.frames[:, :32, :32], patch_size=16)  # compile the numba kernels first
    print(f"== speed: 64 frames, {size} x {size} grey, patch 16, stride 8 ==")
    for n_jobs in (1, 2):
        result, seconds, cpu, peak = timed(video.frames, patch_size=16, n_jobs=n_jobs)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"n_jobs={n_jobs}: wall {seconds:6.2f} s, CPU {cpu:6.2f} s for "
              f"{len(result.locations)} locations ({1000 * cpu / len(result.locations):.1f} ms "
              f"CPU each), sweeps per location {result.n_iter.mean():.1f} (max "
              f"{result.n_iter.max()}), max gap {result.gap.max():.1e}; tracemalloc peak "
              f"{peak / 2**20:.1f} MiB, peak RSS {rss:.0f} MiB; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n== quality (PSNR dB / SSIM against the clean image) ==")
    images = {"test pattern": image, "china.jpg (grey)": load_china_image(size=(size, size))}
    names = ("ours", "ours (3 centres)", "mean", "median", "closest_to_mean",
             "closest_to_median", "best frame")
    print(f"{'video':27s}" + "".join(f"{n:>20s}" for n in names))
    for label, img in images.items():
        v = make_water_video(img, 64, amplitude=2.0, random_state=0)
        for patch in (16, 8):
            one = score_all(v.image, restore(v.frames, patch_size=patch, n_jobs=2))
            three = score_all(v.image, restore(v.frames, patch_size=patch, n_centers=3,
                                               n_jobs=2))
            row = {**one, "ours (3 centres)": three["ours"], "best frame": best_frame(v, patch)}
            print(f"{label + f', patch {patch}':27s}"
                  + "".join(f"{row[n]['psnr']:13.2f}/{row[n]['ssim']:.3f}" for n in names))


if __name__ == "__main__":
    main()
