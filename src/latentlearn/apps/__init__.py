"""Worked applications and experiments built on the library (DESIGN.md's ``apps/``).

They use the estimators, figures and run folders like any user's script would; nothing in the
library core imports them.

- :mod:`.variational_bayes`: the variational examples of Bishop 2006, PRML, chapter 10 as a
  run folder with a report (``latentlearn bayes``).
- :mod:`.neural_evidence`: autoencoder against VAE (Kingma & Welling 2014) on mnist5k.
- :mod:`.seeing_through_water`: an image recovered from a video through moving water (Efros,
  Isler, Shi & Visontai 2004) as a run folder with a report (``latentlearn water``).
"""
