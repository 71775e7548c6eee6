"""Check docs/results/chem/best.tsv against RDKit: the penalized logP of every row, computed as
the paper's objective (parse, write non-stereo SMILES, parse again, Crippen MolLogP, the SA
score of RDKit Contrib, the cycle penalty with networkx 2.5's cycle basis as in
crates/lso-chem/tests/fixtures/edge_cases/make_edge_cases.py, normalised sum), within 1e-6.

Run from the repository root: python3 scripts/check_chem_best_rdkit.py [best.tsv]
Needs: pip install rdkit==2026.09.1 (numpy comes with it).
"""
import os
import pathlib
import sys

from rdkit import Chem, RDConfig, RDLogger
from rdkit.Chem import Crippen, rdmolops

RDLogger.DisableLog("rdApp.*")
sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
import sascorer  # noqa: E402

edge = pathlib.Path("crates/lso-chem/tests/fixtures/edge_cases/make_edge_cases.py").read_text()
exec(edge[edge.index("def cycle_basis_nx25"):edge.index("here = pathlib")])


def penalized_logp(smiles):
    m = Chem.MolFromSmiles(Chem.MolToSmiles(Chem.MolFromSmiles(smiles), isomericSmiles=False))
    logp = Crippen.MolLogP(m)
    sa = sascorer.calculateScore(m)
    adj = rdmolops.GetAdjacencyMatrix(m)
    n = m.GetNumAtoms()
    nbrs = [list(map(int, (adj[i] != 0).nonzero()[0])) for i in range(n)]
    largest = max((len(c) for c in cycle_basis_nx25(n, nbrs)), default=0)  # noqa: F821
    cycle = max(largest - 6, 0)
    return (logp - 2.45777691) / 1.43341767 + (-sa + 3.05352042) / 0.83460587 + (-cycle + 0.04861121) / 0.28746695


path = sys.argv[1] if len(sys.argv) > 1 else "docs/results/chem/best.tsv"
rows = [line.split("\t") for line in pathlib.Path(path).read_text().splitlines()[1:]]
bad = []
for setting, seed, query, smiles, value in rows:
    ref = penalized_logp(smiles)
    if abs(ref - float(value)) > 1e-6:
        bad.append(f"{setting} seed {seed} query {query}: {value} against RDKit's {ref!r}: {smiles}")
print("\n".join(bad))
print(f"{len(rows) - len(bad)} of {len(rows)} rows equal RDKit's penalized logP within 1e-6")
sys.exit(1 if bad else 0)
