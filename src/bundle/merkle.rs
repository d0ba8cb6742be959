//! The Merkle tree over a bundle's events, as RFC 6962 / 9162 define it for Certificate
//! Transparency: a leaf is `SHA-256(0x00 || data)`, an inner node `SHA-256(0x01 || left || right)`,
//! and a tree of n leaves splits at the largest power of two below n. A bundle's leaf data is an
//! event's canonical JSON line, so one event can later be proven to belong to a bundle by its line and
//! an audit path, without the other events.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The RFC 6962 leaf hash of `data` (an event's canonical hash).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Computes the root leaf by leaf in O(log n) memory: complete subtrees are merged as soon as two of
/// the same size meet; at the end the remaining ones are folded from the right, which is exactly the
/// RFC's split at the largest power of two.
#[derive(Default)]
pub struct RootBuilder {
    /// (subtree size, subtree root), sizes strictly decreasing.
    stack: Vec<(u64, Hash)>,
    leaves: u64,
}

impl RootBuilder {
    pub fn push_leaf(&mut self, leaf: Hash) {
        self.leaves += 1;
        let mut node = (1u64, leaf);
        while let Some(&(size, top)) = self.stack.last() {
            if size != node.0 {
                break;
            }
            self.stack.pop();
            node = (size * 2, node_hash(&top, &node.1));
        }
        self.stack.push(node);
    }

    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// The tree's root; an empty tree's root is SHA-256 of nothing (RFC 6962 section 2.1).
    pub fn root(&self) -> Hash {
        let mut nodes = self.stack.iter().rev();
        let Some(&(_, mut acc)) = nodes.next() else {
            return Sha256::digest([]).into();
        };
        for (_, left) in nodes {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut b = RootBuilder::default();
    for l in leaves {
        b.push_leaf(*l);
    }
    b.root()
}

/// The audit path of leaf `index` (RFC 6962 section 2.1.1), siblings from the leaf up.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Vec<Hash> {
    fn path(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
        let n = leaves.len();
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            path(&leaves[..k], m, out);
            out.push(subtree_root(&leaves[k..]));
        } else {
            path(&leaves[k..], m - k, out);
            out.push(subtree_root(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    if index < leaves.len() {
        path(leaves, index, &mut out);
    }
    out
}

/// Checks an audit path (RFC 9162 section 2.1.3.2): true when `leaf` at `index` of a tree of `size`
/// leaves hashes up to `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root by the RFC's recursive definition (the reference the builder is tested against).
fn subtree_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&subtree_root(&leaves[..k]), &subtree_root(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("event {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn incremental_root_equals_the_rfc_recursive_definition_for_every_size() {
        for n in 0..70 {
            let l = leaves(n);
            assert_eq!(root_of(&l), subtree_root(&l), "n = {n}");
        }
    }

    #[test]
    fn rfc6962_empty_tree_and_single_leaf() {
        assert_eq!(
            hex::encode(root_of(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // The leaf hash of empty data (RFC 6962 test vector, leaf 0 of the CT test tree).
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn every_leaf_has_an_audit_path_and_a_wrong_leaf_or_index_fails() {
        for n in 1..40 {
            let l = leaves(n);
            let root = root_of(&l);
            for i in 0..n {
                let proof = inclusion_proof(&l, i);
                assert!(
                    verify_inclusion(&l[i], i as u64, n as u64, &proof, &root),
                    "n={n} i={i}"
                );
                let other = leaf_hash(b"not in the tree");
                assert!(!verify_inclusion(&other, i as u64, n as u64, &proof, &root));
                if n > 1 {
                    let j = (i + 1) % n;
                    assert!(
                        !verify_inclusion(&l[i], j as u64, n as u64, &proof, &root) || l[i] == l[j]
                    );
                }
            }
        }
    }
}
