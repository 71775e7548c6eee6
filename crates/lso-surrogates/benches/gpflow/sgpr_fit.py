"""Time gpflow's SGPR fit on the same data as `examples/sgpr_refit.rs`, for the speed ratio.

Usage: python sgpr_fit.py DATA.tsv [m]   (gpflow 2.11, tensorflow-cpu, scikit-learn)

DATA.tsv: one row per point, the latent coordinates then the target, tab-separated (the first
n - 1 rows are used, as the Rust example's cold fit does). Inputs and targets are standardised
as lso-surrogates does; the start matches ours (k-means inducing inputs, lengthscales sqrt(d),
signal variance 1, noise variance 0.01); the fit is gpflow's Scipy L-BFGS-B on all parameters
(float64), run to scipy's default convergence.
"""
import sys
import time

import numpy as np
import gpflow
from sklearn.cluster import KMeans

path = sys.argv[1]
m = int(sys.argv[2]) if len(sys.argv) > 2 else 500
data = np.loadtxt(path, delimiter="\t")[:-1]
x, y = data[:, :-1], data[:, -1]
x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
y = ((y - y.mean()) / y.std())[:, None]
n, d = x.shape
gpflow.config.set_default_float(np.float64)
t0 = time.time()
z = KMeans(n_clusters=m, n_init=1, max_iter=10, random_state=0).fit(x).cluster_centers_
kern = gpflow.kernels.SquaredExponential(lengthscales=np.full(d, np.sqrt(d)), variance=1.0)
model = gpflow.models.SGPR((x, y), kern, inducing_variable=z, noise_variance=0.01,
                           mean_function=gpflow.mean_functions.Constant(0.0))
t1 = time.time()
res = gpflow.optimizers.Scipy().minimize(model.training_loss, model.trainable_variables,
                                         options={"maxiter": 1000})
t2 = time.time()
print(f"gpflow {gpflow.__version__} SGPR n={n} d={d} m={m}: k-means {t1 - t0:.1f} s, "
      f"L-BFGS-B {t2 - t1:.1f} s ({res.nit} iterations, {res.nfev} evaluations), "
      f"bound {float(model.elbo()):.2f}")
