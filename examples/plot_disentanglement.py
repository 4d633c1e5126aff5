"""
Disentanglement on dSprites: beta-TCVAE and its scores
======================================================

dSprites (Matthey et al. 2017) renders sprites from five known factors (shape, scale,
orientation, x and y position), so a code can be scored on how well each factor is captured by
one code dimension alone. beta-TCVAE (Chen et al. 2018) splits the VAE's KL term into index-code
mutual information, total correlation and dimension-wise KL and weights the total correlation
by ``beta``. The scores: MIG (Chen et al. 2018), SAP (Kumar et al. 2018) and DCI (Eastwood &
Williams 2018). The fit below is far too short to disentangle anything -- it shows the calls,
and a code of random directions as the baseline the scores should beat.
"""

import numpy as np

from latentlearn.datasets import make_dsprites
from latentlearn.metrics import disentanglement_scores
from latentlearn.neural import BetaTCVAE

sprites = make_dsprites(n_samples=1000, random_state=0)
print(sprites.X.shape, "factors:", sprites.factor_names)

model = BetaTCVAE(latent_dim=6, beta=6.0, hidden_dims=(128,), epochs=3, batch_size=128,
                  random_state=0).fit(sprites.X)
codes = model.transform(sprites.X)
random_codes = np.random.default_rng(0).normal(size=codes.shape)

for name, Z in {"beta-TCVAE": codes, "random codes": random_codes}.items():
    scores = disentanglement_scores(Z, sprites.factors, random_state=0)
    print(f"{name:13s} " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()))
