//! The glob dialect as this crate uses it: the re-exported types, dispatch-glob's limits equal to
//! `Limits`'s defaults, and glob errors carried into this crate's `Error` unchanged.

use dispatch_trigger::{Error, ErrorKind, Glob, GlobBuilder, GlobSetBuilder};
use dispatchfile_model::Limits;

#[test]
fn glob_defaults_are_the_limits_defaults() {
    let limits = Limits::default();
    assert_eq!(GlobBuilder::DEFAULT_MAX_PATTERN_LEN, limits.max_pattern_len);
    assert_eq!(GlobBuilder::DEFAULT_MAX_DEPTH, limits.max_depth);
    assert_eq!(
        GlobSetBuilder::DEFAULT_MAX_PATTERNS_PER_LIST,
        limits.max_patterns_per_list
    );
}

#[test]
fn glob_errors_convert_with_message_code_and_column() {
    let cases: [(&str, ErrorKind, &str, Option<usize>, &str); 4] = [
        (
            "release/[",
            ErrorKind::Syntax,
            "invalid-pattern",
            Some(9),
            r#"invalid pattern "release/[": unclosed "[" at column 9"#,
        ),
        (
            "",
            ErrorKind::Syntax,
            "invalid-pattern",
            None,
            r#"invalid pattern "": empty pattern"#,
        ),
        (
            "v[9-0]",
            ErrorKind::Syntax,
            "invalid-pattern",
            Some(3),
            r#"invalid pattern "v[9-0]": reversed range "9-0" at column 3"#,
        ),
        (
            &"a".repeat(1025),
            ErrorKind::LimitExceeded,
            "limit-exceeded",
            None,
            "limit exceeded: max_pattern_len (1024)",
        ),
    ];
    for (pattern, kind, code, column, message) in cases {
        let glob_err = Glob::new(pattern).expect_err("a malformed or long pattern");
        let err = Error::from(glob_err.clone());
        assert_eq!(err.kind(), kind, "{pattern:?}");
        assert_eq!(err.code(), code, "{pattern:?}");
        assert_eq!(err.column(), column, "{pattern:?}");
        assert_eq!(err.line(), None, "{pattern:?}");
        assert_eq!(err.message(), message, "{pattern:?}");
        assert_eq!(err.to_string(), glob_err.to_string(), "{pattern:?}");
        assert_eq!(glob_err.code(), code, "{pattern:?}");
        assert_eq!(glob_err.column(), column, "{pattern:?}");
    }
}

#[test]
fn question_mark_carries_a_glob_error_into_this_crates_result() {
    fn set(patterns: &[&str]) -> dispatch_trigger::Result<usize> {
        let mut b = GlobSetBuilder::new();
        b.max_patterns_per_list(2);
        for p in patterns {
            b.add(Glob::new(p)?);
        }
        Ok(b.build()?.len())
    }
    assert_eq!(set(&["main", "!old"]), Ok(2));
    assert_eq!(
        set(&["a{"]).expect_err("unclosed").code(),
        "invalid-pattern"
    );
    let err = set(&["a", "b", "c"]).expect_err("three patterns");
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.to_string(), "limit exceeded: max_patterns_per_list (2)");
}
