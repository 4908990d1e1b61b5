//! Kubernetes name rules shared by validation (R11) and lowering (SPEC §5.4).

/// Sanitises a name into a DNS-1123 label (SPEC §5.4), or `None` when nothing is left.
///
/// ASCII-lowercase; every character outside `[a-z0-9-]` becomes `-`; `-` trimmed at both ends;
/// longer than 63 characters keeps the first 54 (trailing `-` trimmed) and appends `-` and the
/// FNV-1a 32-bit hash of the original name in 8 lowercase hex digits.
///
/// ```
/// use dispatchfile_model::names::sanitize;
/// assert_eq!(sanitize("Build_All").as_deref(), Some("build-all"));
/// assert_eq!(sanitize("__"), None);
/// ```
#[must_use]
pub fn sanitize(name: &str) -> Option<String> {
    // Already a label: mapping and trimming would give it back unchanged.
    if is_dns1123_label(name) {
        return Some(name.to_owned());
    }
    let mapped: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.len() <= 63 {
        return Some(trimmed.to_owned());
    }
    let head = trimmed[..54].trim_end_matches('-');
    Some(format!("{head}-{}", hash8(name)))
}

/// The FNV-1a 32-bit hash of `s` as 8 lowercase hex digits (collision suffixes, SPEC §5.4).
#[must_use]
pub fn hash8(s: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// Whether `s` is a DNS-1123 label: 1–63 of `[a-z0-9-]`, starting and ending alphanumeric.
#[must_use]
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Whether `s` is a Kubernetes qualified name (`[prefix/]name`), as label and annotation keys must be.
#[must_use]
pub fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix
        && (p.is_empty() || p.len() > 253 || !p.split('.').all(is_dns1123_label))
    {
        return false;
    }
    !name.is_empty() && name.len() <= 63 && is_label_value(name)
}

/// Whether `s` is a valid label value: empty, or up to 63 of `[A-Za-z0-9_.-]` starting and ending
/// alphanumeric.
#[must_use]
pub fn is_label_value(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && s.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric)
}

/// The seven Dispatch context variables (SPEC §4.7), as written inside `$(context.…)`.
pub const CONTEXT_VARIABLES: [&str; 7] = [
    "build.name",
    "git.url",
    "git.commit",
    "git.branch",
    "git.tag",
    "chatop.command",
    "chatop.args",
];

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! sanitize_cases {
        ($($name:ident: $input:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(sanitize($input).as_deref(), $want, "sanitize({:?})", $input);
            }
        )*};
    }

    sanitize_cases! {
        already_a_label: "build" => Some("build");
        upper_and_underscore: "Build_All" => Some("build-all");
        trims_dashes: "-x-" => Some("x");
        nothing_left: "___" => None;
        non_ascii_becomes_dash: "büild" => Some("b-ild");
        long_names_get_a_hash: &"a".repeat(70) => Some(format!("{}-{}", "a".repeat(54), hash8(&"a".repeat(70)))).as_deref();
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(hash8(""), "811c9dc5");
        assert_eq!(hash8("a"), "e40c292c");
        assert_eq!(hash8("foobar"), "bf9cf968");
    }

    #[test]
    fn qualified_names() {
        assert!(is_qualified_name("app.kubernetes.io/managed-by"));
        assert!(is_qualified_name("team"));
        assert!(!is_qualified_name("bad key"));
        assert!(!is_qualified_name("/x"));
    }
}

/// The candidate closest to a misspelt `key`: equal ignoring case, or at most two edits away
/// (one for short keys). Used for "did you mean" hints on unknown fields.
#[must_use]
pub fn suggest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = if key.chars().count() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = if c.eq_ignore_ascii_case(key) {
            0
        } else {
            edit_distance(key, c, budget)
        };
        if d <= budget && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance, cut off above `max` (returns `max + 1` then).
fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max || a.len() > 64 || b.len() > 64 {
        return max + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod suggest_tests {
    use super::suggest;

    #[test]
    fn case_and_typos() {
        assert_eq!(
            suggest("workingdir", ["workingDir", "image"]),
            Some("workingDir")
        );
        assert_eq!(suggest("imgae", ["workingDir", "image"]), Some("image"));
        assert_eq!(suggest("xyz", ["workingDir", "image"]), None);
    }
}
