//! Properties: the compiled matchers agree with a plain reference (a translation to `regex`).

use dispatch_glob::{Glob, GlobLists, GlobSet, GlobSetBuilder, ListMatches};
use proptest::prelude::*;

/// The reference: the dialect's rules translated token by token into an anchored regex.
fn reference(pattern: &str) -> regex::Regex {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut depth = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                re.push_str(&regex::escape(&chars[i + 1].to_string()));
                i += 1;
            }
            '*' => {
                let mut n = 1;
                while chars.get(i + 1) == Some(&'*') {
                    n += 1;
                    i += 1;
                }
                if n == 1 {
                    re.push_str("[^/]*");
                } else if chars.get(i + 1) == Some(&'/') {
                    re.push_str("(?:.*/)?");
                    i += 1;
                } else {
                    re.push_str(".*");
                }
            }
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = i
                    + chars[i..]
                        .iter()
                        .skip(2)
                        .position(|&c| c == ']')
                        .expect("closed class")
                    + 2;
                let mut body: String = chars[i + 1..end].iter().collect();
                if let Some(rest) = body.strip_prefix('!') {
                    body = format!("^{rest}");
                }
                re.push_str("[[");
                re.push_str(&body);
                re.push_str("]&&[^/]]");
                i = end;
            }
            '{' => {
                depth += 1;
                re.push_str("(?:");
            }
            ',' if depth > 0 => re.push('|'),
            '}' => {
                depth -= 1;
                re.push(')');
            }
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    regex::Regex::new(&format!("(?s){re}")).expect("the reference translation is a valid regex")
}

fn token() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("a"),
        Just("b"),
        Just("/"),
        Just("."),
        Just("-"),
        Just("é"),
        Just("*"),
        Just("**"),
        Just("**/"),
        Just("/**"),
        Just("?"),
        Just("[ab]"),
        Just("[!a]"),
        Just("[a-c]"),
        Just("[/b]"),
        Just("{a,b/}"),
        Just("{,a*}"),
        Just("{x{a,b},}"),
        Just("{**/,b}"),
        Just("\\*"),
        Just("\\?"),
        Just("[!/b]"),
        Just("[a-bé]"),
        Just("[^x-z]"),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 1..8).prop_map(|t| t.concat())
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just('a'),
            Just('b'),
            Just('c'),
            Just('x'),
            Just('/'),
            Just('.'),
            Just('-'),
            Just('*'),
            Just('é')
        ],
        0..12,
    )
    .prop_map(|c| c.into_iter().collect())
}

/// A list of the `pos` patterns and the `neg` patterns negated, its DFA limited to `memory`.
fn list(pos: &[String], neg: &[String], memory: usize) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    b.dfa_memory(memory);
    for p in pos {
        b.add(Glob::new(p).expect("valid"));
    }
    for p in neg {
        b.add(Glob::new(&format!("!{p}")).expect("valid"));
    }
    b.build().expect("small")
}

/// The list rule over the reference regexes: some positive matches (or there is none) and no
/// negative does.
struct ListRule {
    pos: Vec<regex::Regex>,
    neg: Vec<regex::Regex>,
}

impl ListRule {
    fn new(pos: &[String], neg: &[String]) -> ListRule {
        ListRule {
            pos: pos.iter().map(|p| reference(p)).collect(),
            neg: neg.iter().map(|p| reference(p)).collect(),
        }
    }

    fn passes(&self, n: &str) -> bool {
        (self.pos.is_empty() || self.pos.iter().any(|r| r.is_match(n)))
            && !self.neg.iter().any(|r| r.is_match(n))
    }
}

/// One set of the `pos` and negated `neg` patterns (its DFA limited to `memory`) answers every
/// name twice in turn (the second time from the states the first made) as the list rule over the
/// reference regexes does.
fn follows_the_list_rule(
    pos: &[String],
    neg: &[String],
    names: &[String],
    memory: usize,
) -> Result<(), TestCaseError> {
    let set = list(pos, neg, memory);
    let rule = ListRule::new(pos, neg);
    for round in 0..2 {
        for n in names {
            prop_assert_eq!(
                set.is_match(n),
                rule.passes(n),
                "pos {:?} neg {:?} name {:?} memory {} round {}",
                pos,
                neg,
                n,
                memory,
                round
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every strategy the compiler picks (literal, prefix, suffix, NFA) agrees with the reference.
    #[test]
    fn matcher_agrees_with_reference(pat in pattern(), names in prop::collection::vec(name(), 8)) {
        let glob = Glob::new(&pat).expect("generated patterns are valid");
        let m = glob.compile_matcher();
        let re = reference(&pat);
        for n in &names {
            let want = re.is_match(n);
            prop_assert_eq!(m.is_match(n), want, "pattern {:?} name {:?} regex {}", pat, n, re.as_str());
        }
    }

    /// A set of positives and negatives follows the list rule over the reference.
    #[test]
    fn set_follows_the_list_rule(pos in prop::collection::vec(pattern(), 0..4), neg in prop::collection::vec(pattern(), 0..4),
                                  names in prop::collection::vec(name(), 8)) {
        let set = list(&pos, &neg, GlobSetBuilder::DEFAULT_DFA_MEMORY);
        let rule = ListRule::new(&pos, &neg);
        for n in &names {
            prop_assert_eq!(set.is_match(n), rule.passes(n), "pos {:?} neg {:?} name {:?}", pos, neg, n);
        }
    }

    /// The list's DFA (read forwards or backwards, whichever the list suits), under any memory
    /// limit, and the strategy matcher (the DFA turned off) give the reference's answers, on short
    /// names and on long ones (joined names, which the DFA leaves to the strategy matcher when
    /// the list does not let it stop early).
    #[test]
    fn set_agrees_with_and_without_its_dfa(pos in prop::collection::vec(pattern(), 0..5), neg in prop::collection::vec(pattern(), 0..5),
                                           names in prop::collection::vec(prop::collection::vec(name(), 1..6), 8),
                                           memory in prop_oneof![Just(0usize), Just(1), Just(600), Just(4_000), Just(1 << 22)]) {
        let set = list(&pos, &neg, memory);
        let rule = ListRule::new(&pos, &neg);
        for parts in &names {
            for n in [parts[0].clone(), parts.concat(), parts.join("/")] {
                prop_assert_eq!(set.is_match(&n), rule.passes(&n), "pos {:?} neg {:?} name {:?} memory {}", pos, neg, n, memory);
            }
        }
    }

    /// A glob prints back as written and parses to the same value.
    #[test]
    fn display_round_trips(pat in pattern(), bang in any::<bool>()) {
        let text = if bang { format!("!{pat}") } else { pat };
        let glob: Glob = text.parse().expect("valid");
        prop_assert_eq!(glob.to_string(), text.clone());
        prop_assert_eq!(glob.is_negated(), bang);
        prop_assert_eq!(Glob::new(&text).expect("valid"), glob);
    }

    /// Arbitrary text never panics the parser, and an accepted pattern never panics the matcher.
    #[test]
    fn arbitrary_patterns_never_panic(pat in "\\PC{0,40}", n in "\\PC{0,40}") {
        if let Ok(g) = Glob::new(&pat) {
            let _ = g.compile_matcher().is_match(&n);
        }
    }
}

/// A pattern with a long literal (8 bytes or more) inside: maybe after a directory that starts
/// it elsewhere (`*/`, `x/`), maybe before a tail; lists of these open with long literals, and
/// names repeat them at their start and further in.
fn long_pattern() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just(""), Just("*/"), Just("x/"), Just("**/")],
        prop_oneof![
            Just("feature/"),
            Just("release/"),
            Just("Makefile"),
            Just("feature/wip-")
        ],
        prop_oneof![
            Just(""),
            Just("**"),
            Just("*"),
            Just("a"),
            Just("wip-*"),
            Just("[a-f]*")
        ],
    )
        .prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

fn long_name() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just("x/"), Just("b/"), Just("feature/")],
        prop_oneof![
            Just("feature/"),
            Just("release/"),
            Just("Makefile"),
            Just("a")
        ],
        prop_oneof![
            Just(""),
            Just("b"),
            Just("wip-a"),
            Just("a"),
            Just("x/Makefile"),
            Just("é")
        ],
    )
        .prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Lists whose patterns open with long literals (which the DFA may jump over in one probe)
    /// follow the list rule, one set answering every name in turn, under any memory limit.
    #[test]
    fn lists_with_long_openings_follow_the_list_rule(
        pos in prop::collection::vec(long_pattern(), 1..6),
        neg in prop::collection::vec(long_pattern(), 0..4),
        names in prop::collection::vec(long_name(), 24),
        memory in prop_oneof![Just(600usize), Just(4_000), Just(1 << 22)]) {
        follows_the_list_rule(&pos, &neg, &names, memory)?;
    }
}

proptest! {
    // Each case builds a list of up to 40 patterns and their single matchers.
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Long lists whose patterns share literal prefixes and suffixes (one trie node serving
    /// several patterns of both classes) follow the list rule over each pattern's own matcher, and
    /// `matches_positive`, `matches_negative` and `matches` agree with them.
    #[test]
    fn long_lists_agree_with_single_matchers(
        pats in prop::collection::vec((prop_oneof![Just(""), Just("a"), Just("ab"), Just("a/"), Just("ab/b"), Just("**/"), Just("*")],
                                       pattern(),
                                       prop_oneof![Just(""), Just("b"), Just(".a"), Just("/a"), Just("ba")],
                                       any::<bool>()), 0..40),
        names in prop::collection::vec(name(), 16)) {
        let texts: Vec<String> = pats.iter().map(|(p, m, x, neg)| format!("{}{p}{m}{x}", if *neg { "!" } else { "" })).collect();
        let globs: Vec<Glob> = texts.iter().map(|t| Glob::new(t).expect("valid")).collect();
        let mut b = GlobSetBuilder::new();
        for g in &globs {
            b.add(g.clone());
        }
        let set = b.build().expect("at most 40");
        let singles: Vec<_> = globs.iter().map(|g| (g.is_negated(), g.compile_matcher())).collect();
        // The same patterns dealt into three lists (and the whole list as a fourth), compiled together.
        let parts: Vec<_> = (0..4)
            .map(|k| {
                let mut b = GlobSetBuilder::new();
                for (i, g) in globs.iter().enumerate() {
                    if k == 3 || i % 3 == k {
                        b.add(g.clone());
                    }
                }
                b.build().expect("at most 40")
            })
            .collect();
        let lists = GlobLists::new(&parts);
        let mut m = ListMatches::new(&lists);
        for n in &names {
            lists.matches_into(n, &mut m);
            for (k, part) in parts.iter().enumerate() {
                prop_assert_eq!(m.is_match(k), part.is_match(n), "lists: list {} of {:?} name {:?}", k, texts, n);
            }
            let pos = singles.iter().any(|(neg, m)| !neg && m.is_match(n));
            let neg = singles.iter().any(|(neg, m)| *neg && m.is_match(n));
            let has_pos = singles.iter().any(|(neg, _)| !neg);
            prop_assert_eq!(set.is_match(n), (!has_pos || pos) && !neg, "list {:?} name {:?}", texts, n);
            prop_assert_eq!(set.matches_positive(n), pos, "positive: list {:?} name {:?}", texts, n);
            prop_assert_eq!(set.matches_negative(n), neg, "negative: list {:?} name {:?}", texts, n);
            let ids: Vec<usize> = singles.iter().enumerate().filter(|(_, (_, m))| m.is_match(n)).map(|(i, _)| i).collect();
            prop_assert_eq!(set.matches(n), ids, "ids: list {:?} name {:?}", texts, n);
        }
    }
}

/// An ASCII pattern (no token tells non-ASCII characters apart, so its list can have a DFA).
fn ascii_pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("/"),
            Just("."),
            Just("*"),
            Just("**"),
            Just("**/"),
            Just("/**"),
            Just("?"),
            Just("[ab]"),
            Just("[!a]"),
            Just("{a,b/}"),
            Just("{,a*}"),
        ],
        1..6,
    )
    .prop_map(|t| t.concat())
}

/// A name of 20 to 60 characters made of directories: longer than the DFA's short inputs.
fn long_path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("a/"),
            Just("b/"),
            Just("ab"),
            Just("ba/"),
            Just(".a"),
            Just("x"),
            Just("é")
        ],
        10..30,
    )
    .prop_map(|t| t.concat())
}

proptest! {
    // Each case builds a list of 70 to 90 patterns and as many reference regexes.
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Lists long enough for the strategy matcher's tries, with `**` inside and at both ends (so
    /// the DFA may read long names to their end), follow the list rule on long names, under any
    /// memory limit of the DFA.
    #[test]
    fn long_lists_follow_the_list_rule_on_long_names(
        pos in prop::collection::vec(ascii_pattern(), 50..60),
        neg in prop::collection::vec(ascii_pattern(), 20..30),
        names in prop::collection::vec(long_path(), 16),
        memory in prop_oneof![Just(2_000usize), Just(60_000), Just(1 << 22)]) {
        let mut pos = pos;
        pos.extend(["a/**/b".to_owned(), "**/ab/**".to_owned()]);
        follows_the_list_rule(&pos, &neg, &names, memory)?;
    }
}
