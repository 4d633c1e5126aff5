"""
Seeing through water
====================

Efros, Isler, Shi & Visontai (2004), "Seeing through water": under rippling water each image
point is seen displaced by the surface slope, which moves about zero. At every patch location
the frames' patches are embedded by a graph embedding and the patch nearest the *centre* of the
embedding -- the undistorted view -- is kept. A synthetic video of a test pattern; PSNR and SSIM
against the clean image, with the mean of the frames as the baseline.
"""

import matplotlib.pyplot as plt

from latentlearn.apps.seeing_through_water import quality, restore
from latentlearn.datasets import make_test_pattern, make_water_video

clean = make_test_pattern((64, 64), random_state=0)
video = make_water_video(clean, n_frames=24, amplitude=2.0, random_state=0)
result = restore(video.frames, patch_size=16, method="isomap")

mean_frame = video.frames.mean(axis=0)
for name, image in {"mean of frames": mean_frame, "restored": result.image}.items():
    print(f"{name:15s}", {k: round(float(v), 3) for k, v in quality(clean, image).items()})

fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, (name, image) in zip(axes, {"clean": clean, "one frame": video.frames[0],
                                    "mean": mean_frame, "restored": result.image}.items()):
    ax.imshow(image, cmap="gray")
    ax.set_title(name)
    ax.axis("off")
plt.show()
