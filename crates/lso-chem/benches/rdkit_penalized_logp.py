"""RDKit-Python baseline for lso-chem's penalized-logP throughput (same molecules, same machine).

Computes, per molecule, exactly what the paper's code does for its objective: parse and sanitise
(MolFromSmiles), Crippen MolLogP, the SA score (RDKit Contrib sascorer), and the cycle penalty
(networkx cycle_basis of the adjacency graph), then the normalised penalized logP. One core.

Run from the repository root: python3 crates/lso-chem/benches/rdkit_penalized_logp.py
Needs: pip install rdkit networkx numpy
"""
import os
import sys
import time

import networkx as nx
from rdkit import Chem, RDConfig
from rdkit.Chem import Crippen, rdmolops

sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
import sascorer  # noqa: E402


def penalized_logp(mol):
    logp = Crippen.MolLogP(mol)
    sa = sascorer.calculateScore(mol)
    cycles = nx.cycle_basis(nx.Graph(rdmolops.GetAdjacencyMatrix(mol)))
    largest = max((len(c) for c in cycles), default=0)
    cycle = max(largest - 6, 0)
    return (logp - 2.45777691) / 1.43341767 + (-sa + 3.05352042) / 0.83460587 + (-cycle + 0.04861121) / 0.28746695


smiles = open("data/zinc/zinc_subset.txt").read().split("\n")
smiles = [s for s in smiles if s]
sascorer.readFragmentScores()  # load the table outside the timing
start = time.perf_counter()
total = 0.0
for s in smiles:
    total += penalized_logp(Chem.MolFromSmiles(s))
elapsed = time.perf_counter() - start
print(f"rdkit-python: {len(smiles)} molecules in {elapsed:.2f} s = {len(smiles) / elapsed:.0f} molecules/s (checksum {total:.6f})")
