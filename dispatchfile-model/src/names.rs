//! Kubernetes name rules shared by validation (`invalid-name`) and lowering.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Sanitises a name into a DNS-1123 label, or `None` when nothing is left.
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

/// The FNV-1a 32-bit hash of `s` as 8 lowercase hex digits (collision suffixes).
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

/// One segment of a JSON pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`.
///
/// Diagnostics and source maps name places in a pipeline with pointers such as
/// `/task/build~1linux/steps/0`; a task or resource name is one segment.
///
/// ```
/// use dispatchfile_model::names::pointer_segment;
/// assert_eq!(pointer_segment("a/b~c"), "a~1b~0c");
/// assert_eq!(pointer_segment("plain"), "plain");
/// ```
#[must_use]
pub fn pointer_segment(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['~', '/']) {
        std::borrow::Cow::Owned(s.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The seven Dispatch context variables, as written inside `$(context.…)`.
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
///
/// Compares `key` with every candidate, so it is meant for short lists (the fields of a schema);
/// [`NameHints`] looks names up among many candidates with bounded work.
#[must_use]
pub fn suggest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = hint_budget(key);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = hint_distance(key, c, budget);
        if d <= budget && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// How many edits a hint for `key` may be away: one for keys of up to four characters, else two.
fn hint_budget(key: &str) -> usize {
    if key.chars().count() <= 4 { 1 } else { 2 }
}

/// The distance a hint is ranked by: 0 for names equal ignoring ASCII case, else the edit
/// distance (`budget + 1` when above `budget`).
fn hint_distance(key: &str, candidate: &str, budget: usize) -> usize {
    if candidate.eq_ignore_ascii_case(key) {
        0
    } else {
        edit_distance(key, candidate, budget)
    }
}

/// Names longer than this (in characters) never get, and never are, a hint: [`edit_distance`]
/// refuses them, which bounds the cost of one comparison.
const MAX_HINT_CHARS: usize = 64;

/// "Did you mean" lookups of misspelt names among many candidates (the task names of a
/// pipeline), with the same rule as [`suggest`] and bounded work.
///
/// Candidates are bucketed by length and sorted once (O(n log n)), and a lookup compares only
/// with names whose length is within the edit budget. Each comparison costs O(64 × 5) at most
/// (`edit_distance` is banded and refuses names over 64 characters), but a pipeline may have
/// 100,000 tasks of similar length and as many misspelt references, so comparing every name on
/// every lookup would be quadratic. Instead a lookup makes at most [`NameHints::PER_LOOKUP`]
/// comparisons, all lookups of one `NameHints` together at most [`NameHints::TOTAL`], and a
/// name looked up again is answered from a cache. So that the capped comparisons are the likely
/// ones, each bucket is walked outwards from where the name would sort, both in name order and
/// in the order of the reversed names: a typo usually leaves a long prefix or a long suffix
/// intact. Past a cap the hint is simply left out (it is only a hint).
///
/// ```
/// use dispatchfile_model::names::NameHints;
/// let mut hints = NameHints::new(["build", "lint", "test"]);
/// assert_eq!(hints.suggest("biuld"), Some("build"));
/// assert_eq!(hints.suggest("deploy"), None);
/// ```
#[derive(Debug)]
pub struct NameHints<'a> {
    /// Candidates by length in characters.
    by_len: BTreeMap<usize, Bucket<'a>>,
    /// Answers already given, by looked-up name.
    cache: BTreeMap<String, Option<&'a str>>,
    /// Comparisons left for all further lookups.
    left: usize,
}

/// The candidates of one length, sorted by name and by reversed name.
#[derive(Debug, Default)]
struct Bucket<'a> {
    by_prefix: Vec<&'a str>,
    by_suffix: Vec<&'a str>,
}

/// Orders names by their reversed characters (so names sharing a suffix sort together).
fn cmp_reversed(a: &str, b: &str) -> Ordering {
    a.chars().rev().cmp(b.chars().rev())
}

impl<'a> NameHints<'a> {
    /// Comparisons one lookup makes at most.
    pub const PER_LOOKUP: usize = 10_000;
    /// Comparisons all lookups of one [`NameHints`] make together at most.
    pub const TOTAL: usize = 200_000;

    /// Hints drawn from `candidates` (duplicates are harmless).
    #[must_use]
    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> NameHints<'a> {
        let mut by_len: BTreeMap<usize, Bucket<'a>> = BTreeMap::new();
        for c in candidates {
            let n = c.chars().take(MAX_HINT_CHARS + 1).count();
            if n <= MAX_HINT_CHARS {
                by_len.entry(n).or_default().by_prefix.push(c);
            }
        }
        for b in by_len.values_mut() {
            b.by_prefix.sort_unstable();
            b.by_suffix.clone_from(&b.by_prefix);
            b.by_suffix.sort_unstable_by(|x, y| cmp_reversed(x, y));
        }
        NameHints {
            by_len,
            cache: BTreeMap::new(),
            left: Self::TOTAL,
        }
    }

    /// The candidate closest to `name` (as [`suggest`] ranks them; ties go to the
    /// alphabetically first), or `None` when none is close or a cap was reached first.
    pub fn suggest(&mut self, name: &str) -> Option<&'a str> {
        if let Some(&hit) = self.cache.get(name) {
            return hit;
        }
        let hit = self.lookup(name);
        self.cache.insert(name.to_owned(), hit);
        hit
    }

    fn lookup(&mut self, name: &str) -> Option<&'a str> {
        let len = name.chars().take(MAX_HINT_CHARS + 1).count();
        if len > MAX_HINT_CHARS {
            return None;
        }
        let budget = hint_budget(name);
        // Each of the (up to five) lengths gets its share of the comparisons.
        let share = Self::PER_LOOKUP / (2 * budget + 1);
        let mut best: Option<(usize, &'a str)> = None;
        for l in len.saturating_sub(budget)..=len + budget {
            let Some(bucket) = self.by_len.get(&l) else {
                continue;
            };
            let p = bucket.by_prefix.partition_point(|c| *c < name);
            let s = bucket
                .by_suffix
                .partition_point(|c| cmp_reversed(c, name) == Ordering::Less);
            // Outwards from where `name` would sort, alternating between the two orders.
            let around = |v: &[&'a str], at: usize, r: usize| {
                let after = v.get(at + r).copied();
                let before = at.checked_sub(r + 1).and_then(|i| v.get(i).copied());
                [after, before]
            };
            let mut allowed = share.min(self.left);
            let widest = bucket.by_prefix.len();
            'walk: for r in 0..widest {
                let near = around(&bucket.by_prefix, p, r).into_iter().chain(around(
                    &bucket.by_suffix,
                    s,
                    r,
                ));
                for c in near.flatten() {
                    if allowed == 0 {
                        break 'walk;
                    }
                    allowed -= 1;
                    self.left -= 1;
                    let d = hint_distance(name, c, budget);
                    if d <= budget && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
                        best = Some((d, c));
                    }
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// Levenshtein distance in characters, cut off above `max`: returns `max + 1` when the distance
/// is larger, or when either string is longer than 64 characters.
///
/// Banded: only cells within `max` of the diagonal can hold a distance up to `max`, so a call
/// costs O(64 × (2·`max` + 1)) at most, and it stops early once a whole row is above `max`.
/// Spelling suggestions of every crate of the family use it.
///
/// ```
/// use dispatchfile_model::names::edit_distance;
/// assert_eq!(edit_distance("jion", "join", 2), 2);
/// assert_eq!(edit_distance("kitten", "sitting", 2), 3, "over the cut-off: max + 1");
/// ```
#[must_use]
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().take(MAX_HINT_CHARS + 1).collect();
    let b: Vec<char> = b.chars().take(MAX_HINT_CHARS + 1).collect();
    let over = max + 1;
    if a.len().abs_diff(b.len()) > max || a.len() > MAX_HINT_CHARS || b.len() > MAX_HINT_CHARS {
        return over;
    }
    // Cells outside the band read as `over` (a lower bound that is already too far). The band
    // moves right one cell a row, so the only stale cell a row reads is its left neighbour.
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut cur = vec![over; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let lo = row.saturating_sub(max).max(1);
        let hi = (row + max).min(b.len());
        cur[0] = row.min(over);
        if lo > 1 {
            cur[lo - 1] = over;
        }
        let mut row_min = cur[0];
        for j in lo..=hi {
            let cost = usize::from(*ca != b[j - 1]);
            let d = (prev[j - 1] + cost)
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(over);
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min >= over {
            return over;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod suggest_tests {
    use super::{NameHints, edit_distance, suggest};

    macro_rules! distance_cases {
        ($($name:ident: $a:expr, $b:expr, max $max:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(edit_distance($a, $b, $max), $want, "edit_distance({:?}, {:?}, {})", $a, $b, $max);
                assert_eq!(edit_distance($b, $a, $max), $want, "edit_distance({:?}, {:?}, {})", $b, $a, $max);
            }
        )*};
    }

    distance_cases! {
        distance_equal: "build", "build", max 2 => 0;
        distance_substitution: "build", "bujld", max 2 => 1;
        distance_transposition_is_two: "build", "biuld", max 2 => 2;
        distance_insertion: "lint", "lints", max 1 => 1;
        distance_both_ends: "xbuild", "buildx", max 2 => 2;
        distance_cut_off_above_max: "build", "test", max 2 => 3;
        distance_length_gap_cut_off: "a", "abcd", max 2 => 3;
        distance_empty: "", "ab", max 2 => 2;
        distance_characters_not_bytes: "büild", "build", max 1 => 1;
        distance_long_prefix_then_typos: "aaaaaaaaaaaaaaaaaaaaxy", "aaaaaaaaaaaaaaaaaaaayx", max 2 => 2;
        distance_over_64_characters_refused: &"a".repeat(65), &"a".repeat(65), max 2 => 3;
        distance_64_characters_compared: &"a".repeat(64), &format!("{}b", "a".repeat(63)), max 2 => 1;
    }

    /// The task names `task-00000` … for `n` tasks.
    fn numbered(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("task-{i:05}")).collect()
    }

    macro_rules! hint_cases {
        ($($name:ident: $candidates:expr, $name_:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let candidates: Vec<String> = $candidates;
                let mut hints = NameHints::new(candidates.iter().map(String::as_str));
                assert_eq!(hints.suggest($name_), $want, "hint for {:?}", $name_);
                // A second lookup of the same name is answered alike (from the cache).
                assert_eq!(hints.suggest($name_), $want, "hint for {:?} again", $name_);
            }
        )*};
    }

    fn few() -> Vec<String> {
        ["build", "lint", "test", "deploy-prod"]
            .map(String::from)
            .to_vec()
    }

    hint_cases! {
        hint_close_name: few(), "biuld" => Some("build");
        hint_case_only: few(), "Build" => Some("build");
        hint_short_name_one_edit: few(), "lnt" => Some("lint");
        hint_short_name_two_edits_is_far: few(), "tset" => None;
        hint_far_name: few(), "release" => None;
        hint_other_length_within_budget: few(), "deploy-prd" => Some("deploy-prod");
        hint_no_candidates: Vec::new(), "build" => None;
        hint_many_tasks_typo_at_the_end: numbered(100_000), "task-54321x" => Some("task-54321");
        hint_many_tasks_typo_at_the_start: numbered(100_000), "tsak-54321" => Some("task-54321");
        hint_many_tasks_far_name: numbered(100_000), "deploy" => None;
    }

    #[test]
    fn hint_ties_go_to_the_alphabetically_first() {
        let mut hints = NameHints::new(["bc", "ac"]);
        assert_eq!(hints.suggest("c"), Some("ac"));
    }

    #[test]
    fn hint_lookups_stop_at_the_caps() {
        let names = numbered(100_000);
        let mut hints = NameHints::new(names.iter().map(String::as_str));
        // `zzzz-…` is far from every `task-…`: a lookup spends at most its cap.
        assert_eq!(hints.suggest("zzzz-00000"), None);
        let spent = NameHints::TOTAL - hints.left;
        assert!(spent > 0 && spent <= NameHints::PER_LOOKUP, "spent {spent}");
        let mut i = 1;
        while hints.left > 0 && i <= NameHints::TOTAL {
            assert_eq!(hints.suggest(&format!("zzzz-{i:05}")), None);
            i += 1;
        }
        assert_eq!(hints.left, 0);
        // The total is spent: even a close name gets no hint now, and costs no comparison.
        assert_eq!(hints.suggest("task-00001x"), None);
    }

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
