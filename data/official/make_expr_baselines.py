"""Write expr_baselines.tsv from the flattened official results.

The paper's published expression baselines (cem-pi, dbas, fb, rwr) hold byte-identical runs for
the eight settings that share a retraining period and a seed. This script checks that, then
writes each distinct run once: columns `retrain_every seed query_index score`.

Usage: python3 make_expr_baselines.py ../../../shared/data/official_results/official_results.csv.gz
"""

import csv
import gzip
import sys
from collections import defaultdict


def main(path: str) -> None:
    runs = defaultdict(list)  # (weight_type, setting, seed) -> [(query_index, score text)]
    with gzip.open(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["task"] == "expr" and row["weight_type"] != "rank":
                key = (row["weight_type"], row["setting"], int(row["seed"]))
                runs[key].append((int(row["query_index"]), row["property"]))
    shared = {}  # (r, seed) -> scores
    for (weight_type, setting, seed), rows in sorted(runs.items()):
        rows.sort()
        assert [i for i, _ in rows] == list(range(len(rows))), (weight_type, setting, seed)
        r = next(int(p[2:]) for p in setting.split("/") if p.startswith("r_"))
        scores = [s for _, s in rows]
        if (r, seed) in shared:
            assert shared[(r, seed)] == scores, f"{weight_type}/{setting} seed {seed} differs"
        else:
            shared[(r, seed)] = scores
    with open("expr_baselines.tsv", "w") as out:
        out.write("retrain_every\tseed\tquery_index\tscore\n")
        for (r, seed), scores in sorted(shared.items()):
            for i, s in enumerate(scores):
                out.write(f"{r}\t{seed}\t{i}\t{s}\n")
    print(f"{len(runs)} runs, {len(shared)} distinct")


if __name__ == "__main__":
    main(sys.argv[1])
