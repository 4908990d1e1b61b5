//! A radix trie of literals: all the literal prefixes (or, reversed, suffixes) of a list's patterns
//! in one structure that an input is read into once, from its start (or its end).
//!
//! Chains of single children are one edge with a label, compared a word at a time, so a walk costs
//! one byte search per branching node (a table lookup at the widest nodes) plus the comparison of
//! the bytes it consumes, and memory is linear in the literal bytes (never one node per byte; at
//! most 64 byte tables of 256 bytes). Built from sorted keys with an explicit
//! work list: no recursion, time linear in the keys' bytes plus the sort.
//!
//! Hand-built rather than a lazy DFA from `regex-automata`: most Dispatchfile patterns are a
//! literal with a simple condition at one end, which these tries decide with a few word
//! comparisons, where a DFA pays a table lookup per input byte; and building a DFA (or an
//! Aho-Corasick automaton) is exactly what makes `globset`'s compile step slow, while this build
//! is a sort and one pass. The crate keeps no dependencies.

use crate::strategy::bytes_eq;

#[derive(Clone, Copy, Debug)]
struct Node {
    /// `edges[edges.0..edges.1]` leave this node.
    edges: (u32, u32),
    /// `outs[outs.0..outs.1]` are the entries whose key ends here.
    outs: (u32, u32),
    /// For a node with many edges: its byte table in `tables` ([`NO_TABLE`]: none, scan
    /// `edge_first`).
    table: u32,
}

/// A node without a byte table.
const NO_TABLE: u32 = u32::MAX;

/// A node with more edges than this gets a byte table (a scan of a few bytes is as fast).
const TABLE_MIN_EDGES: u32 = 6;

/// The most byte tables of a trie (256 bytes each): the busiest nodes of a large list, the root
/// first; the others scan.
const MAX_TABLES: usize = 64;

#[derive(Clone, Copy, Debug)]
struct Edge {
    /// Start of the label in `labels`, in input order (reversed tries store labels unreversed).
    label: u32,
    len: u32,
    to: u32,
}

/// A radix trie over byte keys, each with an output value; several entries may share a key.
#[derive(Clone, Debug)]
pub(crate) struct Trie<O> {
    nodes: Vec<Node>,
    /// The first byte of each edge in walking order (the byte the input shows next).
    edge_first: Vec<u8>,
    edges: Vec<Edge>,
    labels: Vec<u8>,
    outs: Vec<O>,
    /// Per byte, one more than the index of the edge (from the node's first) it starts, or 0.
    tables: Vec<[u8; 256]>,
    /// Whether keys are matched from the end of the input.
    reversed: bool,
}

impl<O> Default for Trie<O> {
    fn default() -> Trie<O> {
        Trie {
            nodes: Vec::new(),
            edge_first: Vec::new(),
            edges: Vec::new(),
            labels: Vec::new(),
            outs: Vec::new(),
            tables: Vec::new(),
            reversed: false,
        }
    }
}

impl<O> Trie<O> {
    /// A trie of `entries`; with `reversed`, keys are suffixes matched from the input's end. Entries
    /// with equal keys keep their order.
    pub(crate) fn new(entries: Vec<(Box<[u8]>, O)>, reversed: bool) -> Trie<O> {
        let mut entries = entries;
        if entries.is_empty() {
            return Trie {
                reversed,
                ..Trie::default()
            };
        }
        if reversed {
            for (k, _) in &mut entries {
                k.reverse();
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let (keys, outs): (Vec<Box<[u8]>>, Vec<O>) = entries.into_iter().unzip();
        let mut t = Trie {
            nodes: vec![Node {
                edges: (0, 0),
                outs: (0, 0),
                table: NO_TABLE,
            }],
            edge_first: Vec::new(),
            edges: Vec::new(),
            labels: Vec::new(),
            outs,
            tables: Vec::new(),
            reversed,
        };
        // (node, keys lo..hi, depth): every key in the range has the node's path as prefix.
        let mut work = vec![(0usize, 0usize, keys.len(), 0usize)];
        while let Some((node, lo, hi, depth)) = work.pop() {
            let mut at = lo;
            while at < hi && keys[at].len() == depth {
                at += 1;
            }
            t.nodes[node].outs = (lo as u32, at as u32);
            let first_edge = t.edges.len() as u32;
            while at < hi {
                let b = keys[at][depth];
                let mut end = at + 1;
                while end < hi && keys[end][depth] == b {
                    end += 1;
                }
                // Sorted: the common prefix of the group is that of its first and last key.
                let (a, z) = (&keys[at], &keys[end - 1]);
                let mut lcp = depth + 1;
                while lcp < a.len() && lcp < z.len() && a[lcp] == z[lcp] {
                    lcp += 1;
                }
                let label = t.labels.len() as u32;
                if reversed {
                    t.labels.extend(a[depth..lcp].iter().rev());
                } else {
                    t.labels.extend_from_slice(&a[depth..lcp]);
                }
                let child = t.nodes.len();
                t.nodes.push(Node {
                    edges: (0, 0),
                    outs: (0, 0),
                    table: NO_TABLE,
                });
                t.edge_first.push(b);
                t.edges.push(Edge {
                    label,
                    len: (lcp - depth) as u32,
                    to: child as u32,
                });
                work.push((child, at, end, lcp));
                at = end;
            }
            let last_edge = t.edges.len() as u32;
            t.nodes[node].edges = (first_edge, last_edge);
            // Nodes are finished root first, so the root gets the first table.
            if (TABLE_MIN_EDGES + 1..256).contains(&(last_edge - first_edge))
                && t.tables.len() < MAX_TABLES
            {
                let mut table = [0u8; 256];
                for (i, &b) in t.edge_first[first_edge as usize..].iter().enumerate() {
                    // At most 256 edges, one per distinct byte.
                    table[usize::from(b)] = (i + 1) as u8;
                }
                t.nodes[node].table = t.tables.len() as u32;
                t.tables.push(table);
            }
        }
        t
    }

    /// Reads `b` into the trie (from its end when reversed) and calls `f(depth, outputs)` for every
    /// node with entries on the way, `depth` being the key length; stops early and returns `true`
    /// when `f` does.
    #[inline]
    pub(crate) fn walk(&self, b: &[u8], mut f: impl FnMut(usize, &[O]) -> bool) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let n = b.len();
        let mut node = 0usize;
        let mut pos = 0usize;
        loop {
            let nd = self.nodes[node];
            if nd.outs.0 != nd.outs.1 && f(pos, &self.outs[nd.outs.0 as usize..nd.outs.1 as usize])
            {
                return true;
            }
            if pos >= n {
                return false;
            }
            let c = if self.reversed {
                b[n - 1 - pos]
            } else {
                b[pos]
            };
            let (lo, hi) = (nd.edges.0 as usize, nd.edges.1 as usize);
            let i = if nd.table == NO_TABLE {
                let Some(i) = self.edge_first[lo..hi].iter().position(|&x| x == c) else {
                    return false;
                };
                i
            } else {
                match self.tables[nd.table as usize][usize::from(c)] {
                    0 => return false,
                    k => usize::from(k) - 1,
                }
            };
            let e = self.edges[lo + i];
            let len = e.len as usize;
            if n - pos < len {
                return false;
            }
            let label = &self.labels[e.label as usize..e.label as usize + len];
            let text = if self.reversed {
                &b[n - pos - len..n - pos]
            } else {
                &b[pos..pos + len]
            };
            if !bytes_eq(text, label) {
                return false;
            }
            pos += len;
            node = e.to as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(keys: &[&str], reversed: bool) -> Trie<usize> {
        Trie::new(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes().into(), i))
                .collect(),
            reversed,
        )
    }

    fn hits(t: &Trie<usize>, s: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        t.walk(s.as_bytes(), |d, outs| {
            v.extend(outs.iter().map(|&o| (d, o)));
            false
        });
        v
    }

    #[test]
    fn forward_prefixes_in_depth_order() {
        let t = trie(&["src/", "src/main", "s", "docs/", "src/", ""], false);
        assert_eq!(
            hits(&t, "src/main.rs"),
            vec![(0, 5), (1, 2), (4, 0), (4, 4), (8, 1)]
        );
        assert_eq!(hits(&t, "x"), vec![(0, 5)]);
        assert_eq!(hits(&t, "docs"), vec![(0, 5)]);
    }

    #[test]
    fn reversed_suffixes() {
        let t = trie(&[".md", ".rs", "main.rs", "s"], true);
        assert_eq!(hits(&t, "src/main.rs"), vec![(1, 3), (3, 1), (7, 2)]);
        assert_eq!(hits(&t, "a.md"), vec![(3, 0)]);
        assert_eq!(hits(&t, ""), vec![]);
    }

    #[test]
    fn wide_nodes_use_byte_tables() {
        let keys: Vec<String> = (b'a'..=b'z')
            .flat_map(|c| {
                let c = char::from(c);
                [format!("{c}"), format!("{c}x{c}"), format!("{c}y")]
            })
            .collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        for reversed in [false, true] {
            let t = trie(&refs, reversed);
            assert!(!t.tables.is_empty());
            for (i, k) in refs.iter().enumerate() {
                assert!(
                    hits(&t, k).contains(&(k.len(), i)),
                    "{k} reversed={reversed}"
                );
            }
            assert_eq!(hits(&t, "A"), vec![]);
            assert_eq!(hits(&t, "é"), vec![]);
        }
    }

    #[test]
    fn empty_trie() {
        let t = trie(&[], false);
        assert_eq!(hits(&t, "abc"), vec![]);
    }
}
