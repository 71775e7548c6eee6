//! The official decoder's open branches on the shipped model: a tree finished within the step
//! budget decodes as before; a tree still open when the budget runs out gives the molecule of
//! its finished part only, unless the opt-in attaches the open nodes.
//!
//! The fixture (`tests/fixtures/open_branches/`): 12 latent points from N(0, I) and 8 corners of
//! the latent box that the old decoder's chemistry runs queried first, with the molecules the
//! decoder gave them before it followed the official code (open nodes attached), written by
//! `lso chem decode` of that version.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use lso_jtvae::{DecodeOptions, Jtvae, SHIPPED_MODEL};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/open_branches")
        .join(name)
}

fn heavy_atoms(smiles: &str) -> usize {
    lso_chem::Molecule::from_smiles(smiles)
        .expect("a valid molecule")
        .n_atoms()
}

#[test]
fn open_branches_are_left_out_and_finished_trees_decode_as_before() {
    let model = Jtvae::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(SHIPPED_MODEL),
        Device::flex(),
    )
    .expect("the shipped model");
    let zs: Vec<Vec<f32>> = std::fs::read_to_string(fixture("latents.tsv"))
        .expect("latents")
        .lines()
        .map(|l| l.split('\t').map(|v| v.parse().expect("number")).collect())
        .collect();
    let before: Vec<String> = std::fs::read_to_string(fixture("decoded_before.tsv"))
        .expect("molecules of the old decoder")
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(zs.len(), before.len());
    let official = model.decode(&zs, &DecodeOptions::default());
    let attached = model.decode(
        &zs,
        &DecodeOptions {
            attach_open_branches: true,
            ..DecodeOptions::default()
        },
    );
    let (mut finished, mut open) = (0, 0);
    for (i, ((o, a), old)) in official.iter().zip(&attached).zip(&before).enumerate() {
        // the opt-in is the old decoder, row for row
        assert_eq!(a.smiles.as_deref().unwrap_or(""), old, "row {i}");
        assert_eq!((a.tree_nodes, a.open_nodes), (o.tree_nodes, o.open_nodes));
        let new = o.smiles.as_deref().expect("a molecule");
        if o.open_nodes == 0 {
            finished += 1;
            assert_eq!(new, old, "row {i}: a finished tree decodes as before");
            assert!(o.tree_nodes <= 50, "row {i}: {} nodes", o.tree_nodes);
        } else {
            open += 1;
            // the open nodes and their subtrees are not part of the molecule
            assert!(
                heavy_atoms(new) < heavy_atoms(old),
                "row {i}: {new} is not smaller than {old}"
            );
        }
    }
    // the prior points finish their trees; the box's corners run out of steps
    assert!(finished >= 12, "{finished} finished trees");
    assert!(open >= 4, "{open} trees with open nodes");
}
