"""Time gpflow's SGPR fit on the same data as `examples/sgpr_refit.rs`, for the speed ratio.

Usage: python sgpr_fit.py DATA.tsv [m] [maxiter]   (gpflow 2.11, tensorflow-cpu, scikit-learn)

DATA.tsv: one row per point, the latent coordinates then the target, tab-separated (the first
n - 1 rows are used, as the Rust example's cold fit does). Inputs and targets are standardised
as lso-surrogates does; the start matches ours (k-means inducing inputs, lengthscales sqrt(d),
signal variance 1, noise variance 0.01); the fit is gpflow's Scipy L-BFGS-B on all parameters
(float64), at most `maxiter` iterations (default 1000). The bound and the elapsed time are
printed at iterations 25, 50, 100, 200, 400, ... (the extra evaluation is not timed), so the time
to reach a given bound can be read off.
"""
import sys
import time

import numpy as np
import gpflow
from sklearn.cluster import KMeans

path = sys.argv[1]
m = int(sys.argv[2]) if len(sys.argv) > 2 else 500
maxiter = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
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
untimed = 0.0
report_at = {25, 50, 100, 200, 400, 800}


def report(step, variables, values):
    global untimed
    if step + 1 in report_at:
        t = time.time()
        print(f"iteration {step + 1}: {t - t1 - untimed:.1f} s, bound {float(model.elbo()):.2f}",
              flush=True)
        untimed += time.time() - t


res = gpflow.optimizers.Scipy().minimize(model.training_loss, model.trainable_variables,
                                         step_callback=report, options={"maxiter": maxiter})
t2 = time.time() - untimed
print(f"gpflow {gpflow.__version__} SGPR n={n} d={d} m={m}: k-means {t1 - t0:.1f} s, "
      f"L-BFGS-B {t2 - t1:.1f} s ({res.nit} iterations, {res.nfev} evaluations), "
      f"bound {float(model.elbo()):.2f}")
