#!/usr/bin/env python3
"""numpy reference of the paper's grammar VAE, straight from its Keras 1.2.1 HDF5 file.

Writes `crates/lso-models/tests/fixtures/official_expr/k_inf.json`: random one-hot production
sequences with the latent mean the Keras encoder gives them, and random latent
points with the decoder's per-step production logits. `tests/official_expr.rs` checks the model
imported by `scripts/import_official_expr.py` against it. This forward pass reads the Keras
weights in Keras' own layout (position-major flatten, `[kernel, 1, in, out]` convolutions,
`running_std` holding the variance), so it checks the importer's rearrangement independently.
The GRU runs as the paper's TF2 loop runs these weights: sigmoid gates, reset gate applied to
the previous state before the recurrent product.

Usage: python3 scripts/expr_keras_reference.py   (needs h5py, numpy)
"""

import json
import os

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "..", "shared", "data", "official_models", "expr", "expr-k_inf.hdf5")
OUT = os.path.join(ROOT, "crates", "lso-models", "tests", "fixtures", "official_expr", "k_inf.json")
EPS = 1e-3


def load(path):
    w = {}
    with h5py.File(path, "r") as f:
        g = f["model_weights"]
        for layer in g:
            for name, d in g[layer].items():
                w[name.split(":")[0]] = np.asarray(d, dtype=np.float64)
    return w


def bn(x, w, i):
    gamma, beta = w[f"batch_{i}_gamma_1"], w[f"batch_{i}_beta_1"]
    mean, var = w[f"batch_{i}_running_mean_1"], w[f"batch_{i}_running_std_1"]
    return (x - mean) / np.sqrt(var + EPS) * gamma + beta


def conv1d(x, W, b):
    """x: [batch, length, in]; W: [kernel, 1, in, out]; valid cross-correlation."""
    k = W.shape[0]
    length = x.shape[1] - k + 1
    out = np.zeros((x.shape[0], length, W.shape[3]))
    for t in range(length):
        for j in range(k):
            out[:, t, :] += x[:, t + j, :] @ W[j, 0]
    return out + b


def relu(x):
    return np.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def encode(w, x):
    h = x
    for i in (1, 2, 3):
        h = bn(relu(conv1d(h, w[f"conv_{i}_W_1"], w[f"conv_{i}_b_1"])), w, i)
    h = h.reshape(h.shape[0], -1)  # position-major, as Keras' Flatten
    h = relu(h @ w["dense_1_W_2"] + w["dense_1_b_2"])
    return h @ w["z_mean_W_1"] + w["z_mean_b_1"], h @ w["z_log_var_W_1"] + w["z_log_var_b_1"]


def gru(w, i, xs):
    p = f"gru_{i}_"
    h = np.zeros((xs.shape[0], w[p + "U_z_1"].shape[0]))
    out = []
    for t in range(xs.shape[1]):
        x = xs[:, t, :]
        z = sigmoid(x @ w[p + "W_z_1"] + h @ w[p + "U_z_1"] + w[p + "b_z_1"])
        r = sigmoid(x @ w[p + "W_r_1"] + h @ w[p + "U_r_1"] + w[p + "b_r_1"])
        hh = np.tanh(x @ w[p + "W_h_1"] + (r * h) @ w[p + "U_h_1"] + w[p + "b_h_1"])
        h = z * h + (1.0 - z) * hh
        out.append(h)
    return np.stack(out, axis=1)


def decode_logits(w, z, max_len=15):
    h = relu(bn(z, w, 4) @ w["latent_input_W_1"] + w["latent_input_b_1"])
    h = np.repeat(h[:, None, :], max_len, axis=1)
    for i in (1, 2, 3):
        h = gru(w, i, h)
    return h @ w["dense_2_W"] + w["dense_2_b"]


def main():
    w = load(MODEL)
    rng = np.random.default_rng(20261207)
    n, max_len, productions = 8, 15, 12
    indices = rng.integers(0, productions, size=(n, max_len))
    x = np.eye(productions)[indices]
    mean, _ = encode(w, x)
    z = rng.standard_normal((5, 25))
    logits = decode_logits(w, z)
    doc = {
        "model": "pretrain/expr-official/k_inf/model",
        "indices": indices.tolist(),
        "z_mean": mean.tolist(),
        "z": z.tolist(),
        "logits": logits.reshape(5, -1).tolist(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
