//! Kubernetes names with stable collision suffixes.

use std::collections::BTreeSet;

use dispatchfile_model::names::hash8;

/// The longest DNS-1123 label.
const MAX: usize = 63;

/// `base` + `suffix`, cutting `base` (and trailing `-`) so the result has at most 63 bytes.
///
/// `base` is a sanitised (ASCII) name.
pub(crate) fn fit(base: &str, suffix: &str) -> String {
    let room = MAX.saturating_sub(suffix.len());
    let cut = if base.len() > room {
        base[..room].trim_end_matches('-')
    } else {
        base
    };
    format!("{cut}{suffix}")
}

/// Assigns unique names to `(original, candidate)` pairs within one namespace.
///
/// Of the originals sharing a candidate, the one that already equals it (else the byte-smallest)
/// keeps it; every other gets `-` + the FNV-1a hash of its original, cut to fit 63 bytes. Names in
/// `taken` are never handed out (they belong to higher-priority members of the namespace).
pub(crate) fn assign<O: AsRef<str>>(pairs: Vec<(O, String)>, taken: &[String]) -> Vec<String> {
    // Usually nothing collides: the candidates are the names, moved out without a copy.
    let distinct =
        |i: usize, c: &String| !taken.contains(c) && pairs[..i].iter().all(|(_, d)| d != c);
    if pairs.len() <= 32 && pairs.iter().enumerate().all(|(i, (_, c))| distinct(i, c)) {
        return pairs.into_iter().map(|(_, c)| c).collect();
    }
    let original = |i: usize| pairs[i].0.as_ref();
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    // Winners first: exact originals, then byte order of the originals.
    order.sort_by(|&a, &b| {
        let exact = |i: usize| original(i) != pairs[i].1;
        exact(a)
            .cmp(&exact(b))
            .then(original(a).cmp(original(b)))
            .then(a.cmp(&b))
    });
    let mut used: BTreeSet<String> = taken.iter().cloned().collect();
    let mut out = vec![String::new(); pairs.len()];
    for i in order {
        let (original, candidate) = (original(i), &pairs[i].1);
        let mut name = candidate.clone();
        let mut salt = 0u32;
        while used.contains(&name) {
            let key = if salt == 0 {
                original.to_owned()
            } else {
                format!("{original}#{salt}")
            };
            name = fit(candidate, &format!("-{}", hash8(&key)));
            salt += 1;
        }
        used.insert(name.clone());
        out[i] = name;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pairs: &[(&str, &str)]) -> Vec<String> {
        let pairs: Vec<(&str, String)> = pairs.iter().map(|(o, c)| (*o, (*c).to_owned())).collect();
        assign(pairs, &[])
    }

    #[test]
    fn exact_original_keeps_the_name() {
        assert_eq!(
            run(&[("Build", "build"), ("build", "build")]),
            [format!("build-{}", hash8("Build")), "build".to_owned()]
        );
    }

    #[test]
    fn byte_smallest_original_keeps_the_name_otherwise() {
        assert_eq!(
            run(&[("b_x", "b-x"), ("B_X", "b-x")]),
            [format!("b-x-{}", hash8("b_x")), "b-x".to_owned()]
        );
    }

    #[test]
    fn taken_names_are_never_reused() {
        let out = assign(
            vec![("src", "src-fetch".to_owned())],
            &["src-fetch".to_owned()],
        );
        assert_eq!(out, [format!("src-fetch-{}", hash8("src"))]);
    }

    #[test]
    fn fit_cuts_to_63_bytes_and_trims_dashes() {
        let base = format!("{}-b", "a".repeat(56));
        let name = fit(&base, "-fetch");
        assert_eq!(name, format!("{}-fetch", "a".repeat(56)));
        assert!(name.len() <= 63);
        assert_eq!(fit("short", "-fetch"), "short-fetch");
    }
}
