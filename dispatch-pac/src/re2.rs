//! The Dispatch glob dialect, written as RE2 (the regular expressions of Go, which CEL's
//! `matches` uses in Pipelines-as-Code).
//!
//! The emitted text stays in a subset that RE2 and Rust's `regex` crate read the same way:
//! `^`, `$`, `(?s:…)`, `(?:…)`, `|`, `*`, `?`, `.`, `[…]`, `[^…]` and `\xHH` escapes. It never
//! holds `{`, `}`, `'` or `"` (every ASCII character other than a letter, a digit, `_` and `/` is
//! written `\xHH`; the glob itself is written by dispatch-glob's `Glob::to_regex`), so it survives a Pipelines-as-Code placeholder, a single-quoted YAML
//! scalar and a CEL string literal. Other characters are written as they are.

use dispatch_glob::GlobBuilder;

/// Why a pattern could not be translated (it does not parse; compile rejects it first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Untranslatable;

/// A pattern of a list, split into its polarity and its RE2 text (unanchored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub(crate) negated: bool,
    pub(crate) re: String,
}

/// Translates one list entry with dispatch-glob's own parser and regex writer: a leading `!`
/// makes it negative, then `prefix` (`refs/heads/`, `refs/tags/`) is removed when the pattern
/// starts with it, as Dispatch does. The length was checked when the list was compiled.
pub(crate) fn pattern(
    text: &str,
    prefix: Option<&str>,
    max_depth: usize,
) -> Result<Pattern, Untranslatable> {
    let mut builder = GlobBuilder::new(text);
    builder.max_pattern_len(usize::MAX).max_depth(max_depth);
    if let Some(prefix) = prefix {
        builder.ref_prefix(prefix);
    }
    let glob = builder.build().map_err(|_| Untranslatable)?;
    Ok(Pattern {
        negated: glob.is_negated(),
        re: glob.to_regex(),
    })
}

/// The anchored RE2 of an alternation of unanchored pattern texts after a literal `prefix`
/// (`refs/heads/`, or empty), or `None` when there are no patterns.
pub(crate) fn anchored_with_prefix(prefix: &str, res: &[&str]) -> Option<String> {
    if res.is_empty() {
        return None;
    }
    let mut out = String::from("^");
    out.push_str(&dispatch_glob::regex_escape(prefix));
    out.push_str("(?s:");
    for (i, r) in res.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        out.push_str("(?:");
        out.push_str(r);
        out.push(')');
    }
    out.push_str(")$");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn full(pattern_text: &str) -> regex::Regex {
        let p = pattern(pattern_text, None, 128).expect("translatable");
        let re = anchored_with_prefix("", &[&p.re]).expect("one pattern");
        regex::Regex::new(&re).expect("valid regex")
    }

    macro_rules! glob_cases {
        ($($name:ident: $pat:literal, $input:literal => $want:literal;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(full($pat).is_match($input), $want, "{:?} on {:?}", $pat, $input);
            }
        )*};
    }

    glob_cases! {
        star_one_level: "release/*", "release/1.0" => true;
        star_not_deeper: "release/*", "release/1.0/hotfix" => false;
        anystar_needs_slash: "release/**", "release" => false;
        anystar_deep: "release/**", "release/1.0/hotfix" => true;
        star_no_slash: "*", "feature/x" => false;
        anystar_all: "**", "feature/x" => true;
        case_sensitive: "main", "Main" => false;
        anystar_mid: "releases/**-alpha", "releases/beta/3-alpha" => true;
        star_alpha: "*-alpha", "releases/10-alpha" => false;
        dots: "v*.*.*", "v1.2.3-rc.1" => true;
        class_digit: "v[0-9]*", "v10.0" => true;
        question: "v1.?", "v1.2" => true;
        question_needs_one: "v1.?", "v1" => false;
        leading_slash: "/src/**", "src/main.rs" => false;
        plus_literal: "v[12].[0-9]+.[0-9]+", "v1.10.1" => false;
        plus_literal_yes: "v[12].[0-9]+.[0-9]+", "v1.1+.1+" => true;
        dirstar_top: "docs/**/*.md", "docs/README.md" => true;
        dirstar_root: "**/README.md", "README.md" => true;
        anystar_js: "**.js", "src/js/app.js" => true;
        star_js: "*.js", "src/app.js" => false;
        dotfile: "*", ".env" => true;
        yml: "**/*.yml", ".github/workflows/ci.yml" => true;
        a_b: "a/**/b", "a/b" => true;
        src_mid: "**/*src/**", "my-src/code/js/app.js" => true;
        negated_class: "[!abc].txt", "d.txt" => true;
        caret_class: "[^abc].txt", "a.txt" => false;
        escaped_star: "\\*.txt", "*.txt" => true;
        escaped_star_literal: "\\*.txt", "a.txt" => false;
        question_no_slash: "a?c", "a/c" => false;
        alternation: "src/{a,b}/x.rs", "src/a/x.rs" => true;
        alternation_empty: "x{,.rs}", "x" => true;
        class_slash_only: "a[/]b", "a/b" => false;
        negated_class_slash: "a[!x]b", "a/b" => false;
        braces_literal_regex: "a\\{1\\}", "a{1}" => true;
        newline_star: "a*b", "a\nb" => true;
        newline_anystar: "a**", "a\n/\n" => true;
        unicode: "é*", "été" => true;
    }

    #[test]
    fn text_is_safe() {
        let p = pattern("{a,b}'\"\\}x{1,2}[}{]", None, 128).expect("translatable");
        for bad in ['{', '}', '\'', '"'] {
            assert!(!p.re.contains(bad), "{bad} in {}", p.re);
        }
    }

    #[test]
    fn prefixes_are_removed_after_the_bang() {
        let p = pattern("!refs/heads/main", Some("refs/heads/"), 128).expect("ok");
        assert!(p.negated);
        assert_eq!(p.re, "main");
        let re = anchored_with_prefix("refs/heads/", &[&p.re]).expect("one");
        assert_eq!(re, "^refs/heads/(?s:(?:main))$");
    }

    fn glob_text() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("*".to_owned()),
            Just("**".to_owned()),
            Just("**/".to_owned()),
            Just("?".to_owned()),
            Just("/".to_owned()),
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just(".".to_owned()),
            Just("[ab]".to_owned()),
            Just("[!a]".to_owned()),
            Just("[a-c/]".to_owned()),
            Just("[.-0]".to_owned()),
            Just("{a,b/}".to_owned()),
            Just("{,**/}".to_owned()),
            Just("\\*".to_owned()),
            Just("é".to_owned()),
            Just("+".to_owned()),
        ];
        proptest::collection::vec(atom, 1..7).prop_map(|v| v.concat())
    }

    fn input_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('b'),
                Just('c'),
                Just('/'),
                Just('.'),
                Just('*'),
                Just('é'),
                Just('\n'),
                Just('0'),
                Just('+')
            ],
            0..9,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_dispatch_glob(g in glob_text(), inputs in proptest::collection::vec(input_text(), 1..8)) {
            let Ok(glob) = dispatch_glob::Glob::new(&g) else { return Ok(()); };
            let m = glob.compile_matcher();
            let re = full(&g);
            for s in &inputs {
                prop_assert_eq!(m.is_match(s), re.is_match(s), "glob {:?} regex {:?} input {:?}", g, re.as_str(), s);
            }
        }
    }
}
