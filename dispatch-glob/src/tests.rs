//! Table tests for the glob dialect and the list rule (docs/globs.md).

use super::*;

macro_rules! glob_cases {
    ($($name:ident: $pat:literal, $input:literal => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            let glob = Glob::new($pat).expect("table patterns are valid");
            let single = glob.compile_matcher().is_match($input);
            assert_eq!(single, $want, "matcher: {:?} against {:?}", $pat, $input);
            // The set path (bucketed strategies) must agree with the single matcher.
            let set = GlobSetBuilder::new().add(glob).build().expect("one pattern");
            assert_eq!(set.matches_positive($input), $want, "set: {:?} against {:?}", $pat, $input);
            // The set's DFA too (a positive pattern alone: the list rule is the pattern).
            assert_eq!(set.is_match($input), $want, "set dfa: {:?} against {:?}", $pat, $input);
            // And the general NFA must agree with the strategy picked.
            let parsed = parse::parse($pat, &ParseOptions { negation: true, ref_prefix: None, max_len: 1024, max_depth: 128 })
                .expect("valid");
            let nfa = program::Program::compile(&parsed.toks);
            assert_eq!(nfa.is_match($input), $want, "nfa: {:?} against {:?}", $pat, $input);
            assert_eq!(nfa.is_match_large($input), $want, "large nfa: {:?} against {:?}", $pat, $input);
        }
    )*};
}

glob_cases! {
    // The dialect's documented examples, first table.
    spec_release_star: "release/*", "release/1.0" => true;
    spec_release_star_deeper: "release/*", "release/1.0/hotfix" => false;
    spec_release_dstar_bare: "release/**", "release" => false;
    spec_release_dstar_deep: "release/**", "release/1.0/hotfix" => true;
    spec_star_no_slash: "*", "feature/x" => false;
    spec_dstar_slash: "**", "feature/x" => true;
    spec_case: "main", "Main" => false;
    spec_dstar_mid_segment: "releases/**-alpha", "releases/beta/3-alpha" => true;
    spec_star_alpha: "*-alpha", "releases/10-alpha" => false;
    spec_semver_stars: "v*.*.*", "v1.2.3-rc.1" => true;
    spec_class_star: "v[0-9]*", "v10.0" => true;
    spec_question: "v1.?", "v1.2" => true;
    spec_question_short: "v1.?", "v1" => false;
    spec_leading_slash: "/src/**", "src/main.rs" => false;
    // The dialect's documented examples, second table.
    spec_plus_is_literal: "v[12].[0-9]+.[0-9]+", "v1.10.1" => false;
    spec_plus_literal_match: "v[12].[0-9]+.[0-9]+", "v1.1+.1+" => true;
    spec_docs_md: "docs/**/*.md", "docs/README.md" => true;
    spec_readme_anywhere: "**/README.md", "README.md" => true;
    spec_dstar_ext: "**.js", "src/js/app.js" => true;
    spec_star_ext: "*.js", "src/app.js" => false;
    spec_dotfile: "*", ".env" => true;
    spec_yml_anywhere: "**/*.yml", ".github/workflows/ci.yml" => true;
    spec_zero_dirs: "a/**/b", "a/b" => true;
    spec_src_anywhere: "**/*src/**", "my-src/code/js/app.js" => true;
    spec_negated_class_bang: "[!abc].txt", "d.txt" => true;
    spec_negated_class_caret: "[^abc].txt", "d.txt" => true;
    spec_escape: "\\*.txt", "*.txt" => true;
    spec_question_no_slash: "a?c", "a/c" => false;
    spec_braces: "src/{a,b}/x.rs", "src/a/x.rs" => true;
    // More edges.
    escape_not_wild: "\\*.txt", "a.txt" => false;
    dstar_empty: "**", "" => true;
    star_empty: "*", "" => true;
    literal_empty_input: "a", "" => false;
    dir_dstar_many: "a/**/b", "a/x/y/b" => true;
    dir_dstar_not_partial: "a/**/b", "a/xb" => false;
    dir_dstar_leading_many: "**/README.md", "x/y/README.md" => true;
    dir_dstar_leading_partial: "**/README.md", "xREADME.md" => false;
    dstar_trailing_slash_only: "release/**", "release/" => true;
    yml_root: "**/*.yml", "ci.yml" => true;
    yml_not_suffix_dir: "**/*.yml", "a.yml/b" => false;
    braces_nested: "{a,{b,c}d}", "cd" => true;
    braces_nested_no: "{a,{b,c}d}", "c" => false;
    braces_empty_alt: "a{,b}", "a" => true;
    braces_empty_alt_b: "a{,b}", "ab" => true;
    braces_slash_in_alt: "{src/**,docs}/x", "src/a/b/x" => true;
    braces_ext: "*.{yaml,yml}", "a.yml" => true;
    braces_ext_subdir: "*.{yaml,yml}", "x/a.yml" => false;
    braces_only: "{}", "" => true;
    class_never_slash: "a[/]b", "a/b" => false;
    class_negated_never_slash: "a[!x]b", "a/b" => false;
    class_range: "[a-c]", "b" => true;
    class_range_out: "[a-c]", "d" => false;
    class_escape: "[\\]]", "]" => true;
    unicode_question: "?", "é" => true;
    unicode_question_two: "??", "é" => false;
    unicode_class: "[é]x", "éx" => true;
    unicode_literal: "café/*", "café/x" => true;
    unicode_star: "*é", "aéé" => true;
    bang_literal_inside: "a!b", "a!b" => true;
    escaped_bang: "\\!x", "!x" => true;
    comma_outside_braces: "a,b", "a,b" => true;
    star_middle: "release-*-rc", "release-1.0-rc" => true;
    star_middle_slash: "release-*-rc", "release-1/0-rc" => false;
    star_middle_overlap: "a*a", "a" => false;
    prefix_suffix_overlap: "ab**ba", "aba" => false;
    prefix_suffix_min: "ab**ba", "abba" => true;
    many_stars: "*a*a*a*b", "xaxaxaxb" => true;
    many_stars_no: "*a*a*a*b", "aaaaaaaa" => false;
    triple_star: "a/***", "a/b/c" => true;
    dstar_then_dstar: "**/**/x", "x" => true;
    dirstar_after_prefix: "x**/y", "xy" => true;
    dirstar_after_prefix_deep: "x**/y", "xa/b/y" => true;
    src_general: "api/v[12]/**", "api/v2/x/y" => true;
    src_general_no: "api/v[12]/**", "api/v3/x" => false;
    infix_dir: "**/testdata/**", "src/testdata/x" => true;
    infix_dir_start: "**/testdata/**", "testdata/x" => true;
    infix_dir_partial: "**/testdata/**", "src/mytestdata/x" => false;
    infix_dir_bare: "**/testdata/**", "src/testdata" => false;
    infix_any: "**data**", "x/mydata/y" => true;
    infix_any_no: "**data**", "x/dat/a" => false;
    inner_literal: "charts/*/templates/*.yaml", "charts/app/templates/d.yaml" => true;
    inner_literal_no: "charts/*/templates/*.yaml", "charts/app/x/templates/d.yaml" => false;
    non_ascii_in_small_nfa: "v[0-9]?é*", "v1xéz" => true;
    non_ascii_in_small_nfa_no: "v[0-9]?é*", "v1xez" => false;
}

#[test]
fn list_rule_is_order_independent() {
    let build = |pats: &[&str]| {
        let mut b = GlobSetBuilder::new();
        for p in pats {
            b.add(Glob::new(p).expect("valid"));
        }
        b.build().expect("small set")
    };
    let a = build(&["v*", "!v0.*"]);
    let b = build(&["!v0.*", "v*"]);
    for s in ["v1.0", "v0.9", "x", "v0", "v0."] {
        assert_eq!(a.is_match(s), b.is_match(s), "order matters for {s:?}");
    }
    let only_neg = build(&["!v0.*"]);
    assert!(only_neg.is_match("v2.0"));
    assert!(!only_neg.is_match("v0.1"));
    assert!(GlobSet::empty().is_match("anything"));
    assert_eq!(a.matches("v0.9"), vec![0, 1]);
}

#[test]
fn set_limit() {
    let mut b = GlobSetBuilder::new();
    b.max_patterns_per_list(2);
    for _ in 0..3 {
        b.add(Glob::new("a").expect("valid"));
    }
    assert_eq!(
        b.build().expect_err("3 > 2").to_string(),
        "limit exceeded: max_patterns_per_list (2)"
    );
}

#[test]
fn adversarial_input_is_linear() {
    // `*a*a*…b` against 100,000 characters: no backtracking blow-up (a backtracking matcher would
    // not finish). The suffix prefilter is bypassed by ending the input with `b`-less text, and
    // by a second input that ends in `b` so the NFA runs to the end.
    let pattern = format!("{}b", "*a".repeat(500));
    let glob = Glob::new(&pattern).expect("valid");
    let m = glob.compile_matcher();
    let input = "a".repeat(100_000);
    assert!(!m.is_match(&input));
    let input_b = format!("c{}b", "a".repeat(99_998));
    assert!(m.is_match(&input_b));
    let no = format!("{}b", "a".repeat(400));
    assert!(!m.is_match(&no));
}

#[test]
fn warnings_for_leading_slash() {
    assert!(Glob::new("/src/**").expect("valid").warning().is_some());
    assert!(Glob::new("./src/**").expect("valid").warning().is_some());
    assert!(Glob::new("!/src/**").expect("valid").warning().is_some());
    assert!(Glob::new("src/**").expect("valid").warning().is_none());
}

#[test]
fn display_and_from_str_round_trip() {
    for p in ["release/*", "!docs/**", "{a,b}", "\\!x", "[!a-z]"] {
        let g: Glob = p.parse().expect("valid");
        assert_eq!(g.to_string(), p);
        assert_eq!(g, Glob::new(p).expect("valid"));
    }
}

#[test]
fn builder_limits_default_and_apply() {
    let at_len = "a".repeat(GlobBuilder::DEFAULT_MAX_PATTERN_LEN);
    assert!(Glob::new(&at_len).is_ok());
    let over = format!("{at_len}a");
    let err = Glob::new(&over).expect_err("one byte over");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.code(), "limit-exceeded");
    assert_eq!(err.column(), None);
    assert_eq!(err.message(), "limit exceeded: max_pattern_len (1024)");
    assert!(
        GlobBuilder::new(&over)
            .max_pattern_len(2048)
            .build()
            .is_ok()
    );
    let err = GlobBuilder::new("abcd")
        .max_pattern_len(3)
        .build()
        .expect_err("4 > 3");
    assert_eq!(err.to_string(), "limit exceeded: max_pattern_len (3)");

    let deep = |n: usize| format!("{}{}", "{a,".repeat(n), "}".repeat(n));
    assert!(Glob::new(&deep(GlobBuilder::DEFAULT_MAX_DEPTH)).is_ok());
    assert_eq!(
        Glob::new(&deep(GlobBuilder::DEFAULT_MAX_DEPTH + 1))
            .expect_err("too deep")
            .to_string(),
        "limit exceeded: max_depth (128)"
    );
    assert!(GlobBuilder::new("{a,{b,c}}").max_depth(2).build().is_ok());
    assert_eq!(
        GlobBuilder::new("{a,{b,c}}")
            .max_depth(1)
            .build()
            .expect_err("2 > 1")
            .to_string(),
        "limit exceeded: max_depth (1)"
    );

    let mut b = GlobSetBuilder::default();
    for _ in 0..GlobSetBuilder::DEFAULT_MAX_PATTERNS_PER_LIST {
        b.add(Glob::new("a").expect("valid"));
    }
    assert!(b.build().is_ok());
    b.add(Glob::new("a").expect("valid"));
    assert_eq!(
        b.build().expect_err("257 > 256").to_string(),
        "limit exceeded: max_patterns_per_list (256)"
    );
}

#[test]
fn pattern_errors_have_kind_code_column_and_message() {
    let err = Glob::new("release/[").expect_err("unclosed");
    assert_eq!(err.kind(), ErrorKind::InvalidPattern);
    assert_eq!(err.kind().as_str(), "invalid pattern");
    assert_eq!(err.kind().to_string(), "invalid pattern");
    assert_eq!(err.code(), "invalid-pattern");
    assert_eq!(err.column(), Some(9));
    assert_eq!(
        err.message(),
        "invalid pattern \"release/[\": unclosed \"[\" at column 9"
    );
    assert_eq!(err.to_string(), err.message());
    let err: Error = "".parse::<Glob>().expect_err("empty");
    assert_eq!(err.column(), None);
    assert_eq!(err.to_string(), "invalid pattern \"\": empty pattern");
    let err = GlobBuilder::new("refs/heads/")
        .ref_prefix("refs/heads/")
        .build()
        .expect_err("nothing after the prefix");
    assert_eq!(
        err.to_string(),
        "invalid pattern \"refs/heads/\": nothing after \"refs/heads/\""
    );
    assert_eq!(ErrorKind::LimitExceeded.as_str(), "limit exceeded");
    assert_eq!(ErrorKind::LimitExceeded.code(), "limit-exceeded");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err.clone());
    assert_eq!(boxed.to_string(), err.to_string());
}

#[test]
fn hostile_lists_stay_bounded() {
    // 256 patterns of about 1,024 bytes each, nested braces included (some expand into literal
    // alternatives, the deepest run as one NFA), compiled as one list and as 256 lists together.
    let nested = |i: usize| {
        let mut p = format!("p{i:03}/");
        let mut depth = 0;
        while p.len() + 2 * depth + 8 < 1024 {
            p.push_str("{alt");
            p.push_str(&i.to_string());
            p.push_str("-xxxxxxxx,");
            depth += 1;
        }
        p.push('b');
        p.push_str(&"}".repeat(depth));
        p.push_str("/**");
        p
    };
    let literal = |i: usize| format!("{}{i:03}/**", "d".repeat(1016));
    let suffix = |i: usize| format!("**/*{}{i:03}", "e".repeat(1016));
    let mut globs = Vec::new();
    for i in 0..256 {
        let p = match i % 3 {
            0 => nested(i),
            1 => literal(i),
            _ => suffix(i),
        };
        assert!(p.len() <= 1024, "{} bytes", p.len());
        globs.push(Glob::new(&p).expect("within the limits"));
    }
    let mut b = GlobSetBuilder::new();
    for g in &globs {
        b.add(g.clone());
    }
    let set = b.build().expect("256 patterns");
    let singles: Vec<GlobSet> = globs
        .iter()
        .map(|g| GlobSetBuilder::new().add(g.clone()).build().expect("one"))
        .collect();
    let lists = GlobLists::new(&singles);
    let mut m = ListMatches::new(&lists);
    let long_literal = format!("{}001/{}", "d".repeat(1016), "x".repeat(1 << 20));
    let long_suffix = format!("{}/{}002", "y".repeat(1 << 20), "e".repeat(1016));
    let long_miss = "z/".repeat(1 << 19);
    let nested_hit = format!("p000/{}", "b/".repeat(1 << 15));
    for (input, want) in [
        (long_literal.as_str(), Some(1)),
        (long_suffix.as_str(), Some(2)),
        (long_miss.as_str(), None),
        (nested_hit.as_str(), Some(0)),
    ] {
        assert_eq!(
            set.is_match(input),
            want.is_some(),
            "set, {} bytes",
            input.len()
        );
        lists.matches_into(input, &mut m);
        assert_eq!(
            m.passing().collect::<Vec<_>>(),
            want.into_iter().collect::<Vec<_>>()
        );
    }
}

#[test]
fn glob_lists_of_one_list_per_structure() {
    // The first list's positive patterns alone in each structure (prefix, suffix, directory,
    // infix trie or list): none may be skipped.
    for p in ["src/**", "**/*.md", "**/testdata/**", "**x**", "*[ab]*c*"] {
        let set = GlobSetBuilder::new()
            .add(Glob::new(p).expect("valid"))
            .build()
            .expect("one");
        let lists = GlobLists::new(std::slice::from_ref(&set));
        let mut m = ListMatches::new(&lists);
        for s in ["src/a", "a/b.md", "a/testdata/b", "axb", "zbzc", "none"] {
            lists.matches_into(s, &mut m);
            assert_eq!(m.is_match(0), set.is_match(s), "{p:?} against {s:?}");
        }
    }
}

/// Runs `f` on another thread and fails when it does not finish within a generous bound (a hang
/// guard: the bound says nothing about speed).
fn within_hang_guard<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_mins(5))
        .expect("finished within the hang guard")
}

fn set_of(patterns: &[String], dfa_memory: usize) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    b.dfa_memory(dfa_memory);
    for p in patterns {
        b.add(Glob::new(p).expect("valid"));
    }
    b.build().expect("within the limits")
}

#[test]
fn dfa_memory_limit_falls_back_to_the_strategy_matcher() {
    // A list whose DFA needs many states (one per branch name below), with room for a few only:
    // once the limit is reached, inputs are answered by the strategy matcher, the same answers.
    let patterns: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => format!("feature/f{i}-*"),
            1 => format!("!feature/f{}-wip", i - 1),
            2 => format!("release/{i}.*"),
            _ => format!("v{i}.[0-9]*"),
        })
        .collect();
    let inputs: Vec<String> = (0..400)
        .flat_map(|i| {
            [
                format!("feature/f{i}-x"),
                format!("feature/f{i}-wip"),
                format!("release/{i}.1"),
                format!("v{i}.7"),
                format!("v{i}.x"),
            ]
        })
        .collect();
    let without = set_of(&patterns, 0);
    for memory in [1, 2_000, 20_000, GlobSetBuilder::DEFAULT_DFA_MEMORY] {
        let set = set_of(&patterns, memory);
        for _ in 0..2 {
            for s in &inputs {
                assert_eq!(
                    set.is_match(s),
                    without.is_match(s),
                    "{s:?}, limit {memory}"
                );
            }
        }
        let copy = set.clone();
        assert!(
            inputs
                .iter()
                .all(|s| copy.is_match(s) == without.is_match(s))
        );
    }
    assert!(without.is_match("feature/f0-x") && !without.is_match("feature/f0-wip"));
    assert!(without.is_match("v3.7") && !without.is_match("v3.x") && !without.is_match("main"));
}

#[test]
fn dfa_is_shared_between_threads() {
    // Several threads filling one set's DFA at once: each gets the right answers (a thread that
    // finds the cache busy answers with the strategy matcher).
    let patterns: Vec<String> = [
        "main",
        "release/*",
        "!release/0.*",
        "v[0-9]*",
        "**/*.md",
        "!docs/**",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let set = Arc::new(set_of(&patterns, GlobSetBuilder::DEFAULT_DFA_MEMORY));
    let reference = set_of(&patterns, 0);
    let inputs: Vec<String> = (0..2_000)
        .map(|i| match i % 5 {
            0 => format!("release/{}.{i}", i % 3),
            1 => format!("v{i}"),
            2 => format!("docs/{i}.md"),
            3 => format!("src/{i}/README.md"),
            _ => format!("feature/{i}"),
        })
        .collect();
    let want: Vec<bool> = inputs.iter().map(|s| reference.is_match(s)).collect();
    let inputs = Arc::new(inputs);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (set, inputs) = (set.clone(), inputs.clone());
            std::thread::spawn(move || {
                inputs
                    .iter()
                    .cycle()
                    .skip(t * 500)
                    .take(inputs.len())
                    .map(|s| (s.clone(), set.is_match(s)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for (s, got) in h.join().expect("no panic") {
            let i = inputs.iter().position(|x| *x == s).expect("an input");
            assert_eq!(got, want[i], "{s:?}");
        }
    }
}

#[test]
fn dfa_on_hostile_lists_stays_bounded() {
    // Lists the DFA reads from one end to the other: 256 patterns of about 1,024 bytes (runs of
    // `*a`, nested braces, classes) against inputs of a quarter megabyte, under a small limit
    // (the strategy matcher takes over) and the default one.
    let stars = |i: usize| format!("s{i:03}/{}b", "*a".repeat(505));
    let nested = |i: usize| {
        let mut p = format!("n{i:03}/");
        let mut depth = 0;
        while p.len() + 2 * depth + 8 < 1024 {
            p.push_str("{[a-c]x*,");
            depth += 1;
        }
        p.push('b');
        p.push_str(&"}".repeat(depth));
        p
    };
    let patterns: Vec<String> = (0..256)
        .map(|i| if i % 2 == 0 { stars(i) } else { nested(i) })
        .collect();
    assert!(patterns.iter().all(|p| p.len() <= 1024));
    let hit = format!("s000/{}b", "a".repeat(1 << 18));
    let short = format!("s002/{}b", "a".repeat(300));
    let miss = format!("s004/{}", "a".repeat(1 << 18));
    let nested_hit = format!("n001/{}b", "ax".repeat(1 << 17));
    let nested_miss = format!("n003/{}b", "a/".repeat(1 << 17));
    let answers = within_hang_guard(move || {
        [64 << 10, GlobSetBuilder::DEFAULT_DFA_MEMORY]
            .iter()
            .map(|&memory| {
                let set = set_of(&patterns, memory);
                [&hit, &short, &miss, &nested_hit, &nested_miss]
                    .iter()
                    .map(|s| set.is_match(s))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    });
    for a in answers {
        assert_eq!(a, [true, false, false, true, false]);
    }
}

#[test]
fn short_lists_that_read_to_the_end_have_no_dfa() {
    // Which matcher a list gets: the DFA when it stops early on every input or the list is long;
    // the strategy matcher alone for a short list the DFA would read to the end of long inputs.
    let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let long: Vec<String> = (0..20)
        .map(|i| format!("src{i}/**/*.go"))
        .chain(["**/testdata/**".to_owned()])
        .collect();
    for (name, patterns, dfa) in [
        (
            "prefixes",
            owned(&["main", "release/*", "!release/0.*"]),
            true,
        ),
        (
            "suffixes",
            owned(&["**/*.go", "go.mod", "**/Dockerfile"]),
            true,
        ),
        ("both ends, short", owned(&["!docs/**", "!**/*.md"]), false),
        (
            "middle, short",
            owned(&["src/**/*.rs", "!**/vendor/**"]),
            false,
        ),
        ("middle, long", long, true),
    ] {
        let set = set_of(&patterns, GlobSetBuilder::DEFAULT_DFA_MEMORY);
        assert_eq!(set.dfa.is_some(), dfa, "{name}");
        let reference = set_of(&patterns, 0);
        for s in [
            "docs/a.md",
            "src/x/y.rs",
            "vendor/a/b.rs",
            "a/b/c.go",
            "main",
            "go.mod",
        ] {
            assert_eq!(set.is_match(s), reference.is_match(s), "{name}: {s:?}");
        }
    }
}

#[test]
fn openings_are_jumped_over_with_the_same_answers() {
    // Lists where most patterns open with 8 literal bytes (from the start, or from the end for a
    // list read backwards) jump over them in one probe; the answers are the strategy matcher's,
    // the first time an opening is met (when its target state is found) and after.
    let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let inputs = [
        "feature/",
        "feature/login-12",
        "feature/wip-x",
        "feature/wip-x/y",
        "feature/zeta",
        "feature",
        "featurex/a",
        "release/v1.2",
        "release/v1.2-stable",
        "users/alice/x",
        "users/bob/x/y",
        "users/carol/x",
        "dependabot/npm/x",
        "login-stable",
        "feature/é-stable",
        "Makefile",
        "a/Makefile",
        "aMakefile",
        "a/Dockerfile",
        "vendor/Makefile",
        "x/vendor/Makefile",
        "CODEOWNERS",
        "docs/CODEOWNERS",
        "short",
        "",
    ];
    for (name, patterns, jumps) in [
        (
            "forward, braces",
            owned(&[
                "feature/[a-m]*",
                "!feature/wip-*",
                "release/v[0-9]*",
                "users/{alice,bob}/*",
                "dependabot/**",
                "*-{stable,beta}",
            ]),
            true,
        ),
        (
            "backward",
            owned(&[
                "**/Dockerfile",
                "**/Makefile",
                "**/CODEOWNERS",
                "!**/vendor/Makefile",
            ]),
            true,
        ),
        ("few openings", owned(&["main", "v*", "feature/*"]), false),
    ] {
        let set = set_of(&patterns, GlobSetBuilder::DEFAULT_DFA_MEMORY);
        let dfa = set.dfa.as_ref().expect("these lists get a DFA");
        assert_eq!(dfa.has_jumps(), jumps, "{name}");
        let reference = set_of(&patterns, 0);
        for round in 0..2 {
            for s in inputs {
                assert_eq!(
                    set.is_match(s),
                    reference.is_match(s),
                    "{name}, round {round}: {s:?}"
                );
            }
        }
        assert_eq!(dfa.jumps_found() > 0, jumps, "{name}");
    }
}

#[test]
fn an_opening_is_jumped_only_from_the_start_state() {
    // The bytes after a prefix that leaves the start state may spell a known opening: they must
    // be read from the state the walk is in, not jumped over as if from the start, also the first
    // time (when the walk computes the transitions it takes).
    let list: Vec<String> = ["feature/**", "!feature/wip-*", "*/feature/a", "release/**"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for (patterns, input, want) in [
        (list.clone(), "x/feature/b", false),
        (list.clone(), "x/feature/a", true),
        (list.clone(), "feature/b", true),
        (list.clone(), "x/release/b", false),
    ] {
        // A fresh set (its transitions computed by this input), then the same set again.
        let set = set_of(&patterns, GlobSetBuilder::DEFAULT_DFA_MEMORY);
        for round in 0..2 {
            assert_eq!(
                set.is_match(input),
                want,
                "{patterns:?}, round {round}: {input:?}"
            );
        }
    }
}

#[test]
fn which_matcher_reads_long_inputs() {
    // A list longer than the short row is tried one by one unless more than two of its
    // strategies read whole inputs (a directory name anywhere, `**/x/**`): then the tries. A
    // list that needs the tries lets its DFA read long inputs too; others keep their DFA for
    // short inputs.
    let with_dirs = |dirs: usize| -> Vec<String> {
        (0..18)
            .map(|i| format!("src{i}/**/*.go"))
            .chain((0..dirs).map(|i| format!("**/dir{i}/**")))
            .collect()
    };
    let many: Vec<String> = (0..70)
        .map(|i| format!("pkg{i}/**/*.go"))
        .chain(["!**/testdata/**".to_owned()])
        .collect();
    let long_input = format!("pkg7/{}/dir2/x.go", "a/".repeat(40));
    for (name, patterns, tries) in [
        ("two directory names", with_dirs(2), false),
        ("three directory names", with_dirs(3), true),
        ("more strategies than a row holds", many, true),
    ] {
        let set = set_of(&patterns, GlobSetBuilder::DEFAULT_DFA_MEMORY);
        assert_eq!(
            matches!(set.engine(), Engine::Shared(_)),
            tries,
            "{name}: engine"
        );
        let dfa = set.dfa.as_ref().expect("a list longer than a short row");
        assert!(dfa.suits(24), "{name}: short inputs");
        assert_eq!(dfa.suits(25), tries, "{name}: long inputs");
        let reference = set_of(&patterns, 0);
        for s in [
            long_input.as_str(),
            "src3/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/x.go",
            "pkg7/a/b/c/d/e/f/g/h/testdata/i/j/k/x.go",
            "vendor/a/b/c/d/e/f/g/h/dir1/i/j/k/x.rs",
            "x.go",
        ] {
            assert_eq!(set.is_match(s), reference.is_match(s), "{name}: {s:?}");
        }
        // A clone keeps the choice.
        assert_eq!(
            set.clone().dfa.as_ref().map(|d| d.suits(25)),
            Some(tries),
            "{name}: clone"
        );
    }
}
