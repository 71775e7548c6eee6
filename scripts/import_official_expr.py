#!/usr/bin/env python3
"""Import the paper's three pretrained grammar VAEs (Keras 1.2.1 HDF5) as lso model directories.

Reads `../shared/data/official_models/expr/expr-k_{inf,1e-1,1e-3}.hdf5` (copied unchanged from
GitHub cambridge-mlg/weighted-retraining, MIT licence, commit 4b1c783, assets/pretrained_models/),
rearranges each weight into the layout of `lso_models::GrammarModel::from_named_arrays` (see
`crates/lso-models/src/grammar_import.rs`) and runs `lso expr import`, which writes
`pretrain/expr-official/k_<k>/model/`.

Layout facts (checked against the paper's stored prior samples, docs/expr.md):
- Convolution kernels are stored `[kernel, 1, in, out]` (a cross-correlation, as burn's).
- The encoder flattens the last convolution's `[length, channels]` output position-major; ours is
  channel-major, so the dense layer's input rows are permuted.
- Batch normalisation's `running_std` holds the variance (Keras 1 naming); epsilon 1e-3.
- GRU weights `W_{z,r,h}` (input), `U_{z,r,h}` (recurrent), `b_{z,r,h}`; the paper's loop runs them
  with sigmoid gates and the reset gate applied before the recurrent product (Keras'
  `reset_after = False`), which has a single bias: the recurrent transforms get a zero bias.

Usage (from the repository root, after `cargo build --release -p lso-cli`):
    python3 scripts/import_official_expr.py [--models DIR] [--out pretrain/expr-official]
Needs: h5py, numpy.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

MODELS = {"k_inf": "expr-k_inf.hdf5", "k_1e-1": "expr-k_1e-1.hdf5", "k_1e-3": "expr-k_1e-3.hdf5"}
SOURCE = (
    "GitHub cambridge-mlg/weighted-retraining (MIT licence), commit "
    "4b1c783793e058ace0b33ff3166c9309ede8994f, assets/pretrained_models/{file} "
    "(sha256 {sha}), imported by scripts/import_official_expr.py"
)


SUFFIXES = [
    ("running_mean", "mean"),
    ("running_std", "std"),
    ("gamma", "gamma"),
    ("beta", "beta"),
] + [(f"{m}_{g}", f"{m}_{g}") for m in "WUb" for g in "zrh"] + [("W", "W"), ("b", "b")]


def short_name(name):
    """`conv_1_W_1:0` -> `W`, `batch_1_running_std_1:0` -> `std`, `gru_1_U_h_1:0` -> `U_h`."""
    stem = name.split(":")[0]
    parts = stem.split("_")
    if parts[-1].isdigit():
        stem = "_".join(parts[:-1])
    for suffix, short in SUFFIXES:
        if stem.endswith("_" + suffix):
            return short
    raise SystemExit(f"weight {name}: unknown name")


def keras_weights(path):
    """Every weight of the file as `{layer: {short name: array}}`."""
    out = {}
    with h5py.File(path, "r") as f:
        if f.attrs.get("keras_version") not in (b"1.2.1", "1.2.1"):
            raise SystemExit(f"{path}: not a Keras 1.2.1 file")
        group = f["model_weights"]
        for layer in group:
            arrays = {short_name(n): np.asarray(d, dtype=np.float32) for n, d in group[layer].items()}
            if arrays:
                out[layer] = arrays
    return out


def named_arrays(weights):
    """The arrays under lso's names and layouts."""
    arrays = {}

    def put(name, a):
        a = np.ascontiguousarray(a, dtype=np.float32)
        arrays[name] = {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}

    for k in range(3):
        conv = weights[f"conv_{k + 1}"]
        put(f"convs.{k}.weight", conv["W"][:, 0, :, :].transpose(2, 1, 0))
        put(f"convs.{k}.bias", conv["b"])
    norms = [(f"conv_norms.{k}", f"batch_{k + 1}") for k in range(3)] + [("dec_norm", "batch_4")]
    for ours, theirs in norms:
        bn = weights[theirs]
        put(f"{ours}.gamma", bn["gamma"])
        put(f"{ours}.beta", bn["beta"])
        put(f"{ours}.running_mean", bn["mean"])
        put(f"{ours}.running_var", bn["std"])
    # dense_1: Keras rows are position * channels + channel, ours channel * length + position
    channels = weights["conv_3"]["W"].shape[3]
    w = weights["dense_1"]["W"]
    length = w.shape[0] // channels
    perm = [p * channels + c for c in range(channels) for p in range(length)]
    put("enc_hidden.weight", w[perm, :])
    put("enc_hidden.bias", weights["dense_1"]["b"])
    for ours, theirs in [
        ("enc_mean", "z_mean"),
        ("enc_log_var", "z_log_var"),
        ("dec_in", "latent_input"),
        ("dec_out", "decoded_mean"),
    ]:
        put(f"{ours}.weight", weights[theirs]["W"])
        put(f"{ours}.bias", weights[theirs]["b"])
    for k in range(3):
        g = weights[f"gru_{k + 1}"]
        for gate, key in [("update", "z"), ("reset", "r"), ("new", "h")]:
            put(f"grus.{k}.{gate}.input.weight", g[f"W_{key}"])
            put(f"grus.{k}.{gate}.input.bias", g[f"b_{key}"])
            put(f"grus.{k}.{gate}.hidden.weight", g[f"U_{key}"])
            put(f"grus.{k}.{gate}.hidden.bias", np.zeros_like(g[f"b_{key}"]))
    config = {
        "productions": int(weights["decoded_mean"]["W"].shape[1]),
        "max_len": 15,
        "latent_dim": int(weights["z_mean"]["W"].shape[1]),
        "hidden": int(weights["dense_1"]["W"].shape[1]),
        "gru_hidden": int(weights["gru_1"]["U_z"].shape[0]),
        "gru_reset_after": False,
    }
    return config, arrays


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default=os.path.join(root, "..", "shared", "data", "official_models", "expr")
    )
    parser.add_argument("--out", default=os.path.join(root, "pretrain", "expr-official"))
    parser.add_argument("--lso", default=os.path.join(root, "target", "release", "lso"))
    args = parser.parse_args()
    for name, file in MODELS.items():
        path = os.path.join(args.models, file)
        sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        config, arrays = named_arrays(keras_weights(path))
        doc = {"source": SOURCE.format(file=file, sha=sha), "config": config, "arrays": arrays}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
            json.dump(doc, tmp)
        try:
            out = os.path.join(args.out, name, "model")
            subprocess.run(
                [args.lso, "expr", "import", "--weights", tmp.name, "--out", out], check=True
            )
        finally:
            os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
