"""The paper's SGPR schedule in gpflow, on the same data and start as
`examples/sgpr_schedules.rs` (`SgprSchedule::PaperAdam`), to check our Adam schedule against
gpflow's and to time it.

Usage: python sgpr_paper_schedule.py DATA.tsv [m]   (gpflow 2.11, tensorflow-cpu, scikit-learn)

DATA.tsv: one row per point, the latent coordinates then the target, tab-separated. Inputs and
targets are standardised as lso-surrogates does, so bounds are comparable with ours. Start as
the paper's `gp_train.py`: k-means inducing inputs, lengthscales exp(0.1 N(0, 1)) in the data's
units (divided by each column's standard deviation here), signal variance var(y) = 1, noise
0.01 var(y). Phase 1: Adam lr 0.1 on the kernel, noise and mean until the loss changes by less
than 2.5e-2 (relative) over 100 steps; phase 2: Adam lr 0.03 on everything until the change
over 100 steps is below 5e-4 (at most 100,000 steps). float64 (the paper used float32).
"""
import sys
import time

import numpy as np
import tensorflow as tf
import gpflow
from sklearn.cluster import KMeans

path = sys.argv[1]
m = int(sys.argv[2]) if len(sys.argv) > 2 else 500
data = np.loadtxt(path, delimiter="\t")
x, y = data[:, :-1], data[:, -1]
sd = np.where(x.std(0) > 0, x.std(0), 1.0)
x = (x - x.mean(0)) / sd
y = ((y - y.mean()) / y.std())[:, None]
n, d = x.shape
gpflow.config.set_default_float(np.float64)
rng = np.random.default_rng(0)
t0 = time.time()
z = KMeans(n_clusters=m, n_init=1, max_iter=10, random_state=0).fit(x).cluster_centers_
lengthscales = np.exp(0.1 * rng.standard_normal(d)) / sd
kern = gpflow.kernels.SquaredExponential(lengthscales=lengthscales, variance=1.0)
model = gpflow.models.SGPR((x, y), kern, inducing_variable=z, noise_variance=0.01,
                           mean_function=gpflow.mean_functions.Constant(0.0))
t1 = time.time()


def run_phase(variables, lr, tol, max_steps=100_000):
    opt = tf.optimizers.Adam(learning_rate=lr)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = model.training_loss()
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    checkpoint = float(model.training_loss())
    steps = 0
    while steps < max_steps:
        loss = float(step())
        steps += 1
        if steps % 100 == 0:
            if abs(loss - checkpoint) < tol * abs(checkpoint):
                break
            checkpoint = loss
    return steps


kernel_vars = (model.kernel.trainable_variables + model.likelihood.trainable_variables
               + model.mean_function.trainable_variables)
s1 = run_phase(kernel_vars, 0.1, 2.5e-2)
t2 = time.time()
b1 = float(model.elbo())
s2 = run_phase(model.trainable_variables, 0.03, 5e-4)
t3 = time.time()
print(f"gpflow {gpflow.__version__} SGPR n={n} d={d} m={m}, paper schedule: k-means {t1 - t0:.1f} s, "
      f"phase 1 {s1} steps {t2 - t1:.1f} s (bound {b1:.2f}), phase 2 {s2} steps {t3 - t2:.1f} s, "
      f"bound {float(model.elbo()):.2f}")
