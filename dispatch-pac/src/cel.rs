//! The CEL pieces: string literals, list rules over RE2, and the conditions of each action in
//! Pipelines-as-Code's two CEL environments (the matcher's `on-cel-expression` and the
//! `{{ cel: … }}` placeholders).
//!
//! Every text built here is ASCII without `{`, `}` and `'`: a placeholder ends at the first `}`,
//! and the YAML writer keeps these texts in single-quoted or literal scalars.

use std::fmt::Write as _;

use crate::re2;

/// Rust's `char::is_whitespace` (Unicode `White_Space`), which Go's `unicode.IsSpace` and
/// `strings.TrimSpace` also use: as the body of an RE2 class.
pub(crate) const WS_CLASS: &str =
    "\\x09-\\x0d\\x20\u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// A CEL double-quoted string literal holding `s`: `\` and `"` escaped, every character outside
/// printable ASCII as `\uXXXX` or `\UXXXXXXXX`.
pub(crate) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // Kept out of the text (placeholders end at `}`, YAML single quotes).
            '{' | '}' | '\'' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// A list filter: the RE2 of its positive and of its negative patterns (unanchored each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ListRe {
    positive: Vec<String>,
    negative: Vec<String>,
}

impl ListRe {
    /// Translates a glob list (`prefix` removed from each pattern as Dispatch does).
    pub(crate) fn new(
        patterns: &[&str],
        prefix: Option<&str>,
        max_depth: usize,
    ) -> Result<ListRe, re2::Untranslatable> {
        let mut out = ListRe::default();
        for p in patterns {
            let t = re2::pattern(p, prefix, max_depth)?;
            if t.negated {
                out.negative.push(t.re);
            } else {
                out.positive.push(t.re);
            }
        }
        Ok(out)
    }

    fn res(&self, prefix: &str) -> (Option<String>, Option<String>) {
        let f = |v: &[String]| {
            let v: Vec<&str> = v.iter().map(String::as_str).collect();
            re2::anchored_with_prefix(prefix, &v)
        };
        (f(&self.positive), f(&self.negative))
    }

    /// The list rule on one string expression: `(P = ∅ or some p) and no n`; `None` for an
    /// empty list.
    pub(crate) fn on(&self, subject: &str) -> Option<String> {
        let (p, n) = self.res("");
        let p = p.map(|re| format!("{subject}.matches({})", string(&re)));
        let n = n.map(|re| format!("!{subject}.matches({})", string(&re)));
        and([p, n].into_iter().flatten())
    }

    /// The rule on one string that must start with a literal `prefix` (`refs/heads/` on the
    /// matcher's `target_branch`), the patterns applying to the rest.
    pub(crate) fn on_prefixed(&self, subject: &str, prefix: &str) -> String {
        let (p, n) = self.res(prefix);
        let mut parts = vec![format!("{subject}.startsWith({})", string(prefix))];
        parts.extend(p.map(|re| format!("{subject}.matches({})", string(&re))));
        parts.extend(n.map(|re| format!("!{subject}.matches({})", string(&re))));
        and(parts).unwrap_or_else(|| "true".to_owned())
    }

    /// Paths: some file of `files` passes the list rule; `None` for an empty list.
    pub(crate) fn some_file(&self, files: &str) -> Option<String> {
        self.on("f")
            .map(|rule| format!("{files}.exists(f, {rule})"))
    }

    /// Labels: (no positive, or some label matches one) and no label matches a negative.
    pub(crate) fn labels(&self, labels: &str) -> Option<String> {
        let (p, n) = self.res("");
        let p = p.map(|re| format!("{labels}.exists(l, l.matches({}))", string(&re)));
        let n = n.map(|re| format!("!{labels}.exists(l, l.matches({}))", string(&re)));
        and([p, n].into_iter().flatten())
    }
}

/// `a && b && …` (each part parenthesised), `None` for no parts.
pub(crate) fn and(parts: impl IntoIterator<Item = String>) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" && "),
        ),
    }
}

/// `a || b || …` (each part parenthesised), `false` for no parts.
pub(crate) fn or(parts: impl IntoIterator<Item = String>) -> String {
    let parts: Vec<String> = parts.into_iter().collect();
    match parts.len() {
        0 => "false".to_owned(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" || "),
    }
}

/// The RE2 that a comment (raw, or as Pipelines-as-Code's `trigger_comment` when `escaped`)
/// matches iff its chatops command is one of `words`: after leading whitespace, `/word`, then
/// whitespace or the end.
pub(crate) fn command_re(words: &[&str], escaped: bool) -> String {
    let mut alt = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            alt.push('|');
        }
        alt.push_str(&dispatch_glob::regex_escape(w));
    }
    if escaped {
        // `trigger_comment` has each line break as the two characters `\n`.
        format!("^(?:[{WS_CLASS}]|\\x5cn)*/(?:{alt})(?:[{WS_CLASS}]|\\x5cn|$)")
    } else {
        format!("^[{WS_CLASS}]*/(?:{alt})(?:[{WS_CLASS}]|$)")
    }
}

/// The placeholder expression of the comment text on a comment event: the webhook's own
/// comment when the payload has one, else `trigger_comment` with its `\n` turned back into line
/// breaks.
pub(crate) const COMMENT: &str = "(has(body.comment) && has(body.comment.body) ? body.comment.body : trigger_comment.replace(\"\\\\n\", \"\\n\"))";

/// The placeholder expression of a pull request's labels.
pub(crate) const LABELS: &str = "(has(body.pull_request) && has(body.pull_request.labels) ? body.pull_request.labels.map(l, l.name) : has(body.issue) && has(body.issue.labels) ? body.issue.labels.map(l, l.name) : pull_request_labels == \"\" ? [] : pull_request_labels.split(\"\\\\n\"))";

/// The guard that keeps pull-request actions Dispatch acts on (`ready_for_review` is not one).
pub(crate) const PR_ACTION: &str =
    "(!has(body.action) || body.action in [\"opened\", \"synchronize\", \"reopened\"])";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("é}'\n"), r#""\u00e9\u007d\u0027\u000a""#);
        assert_eq!(string("😀"), r#""\U0001f600""#);
    }

    #[test]
    fn list_rule_shapes() {
        let l = ListRe::new(&["main", "!wip/*"], Some("refs/heads/"), 128).expect("ok");
        assert_eq!(
            l.on("b").expect("a rule"),
            r#"(b.matches("^(?s:(?:main))$")) && (!b.matches("^(?s:(?:wip/[^/]*))$"))"#
        );
        assert!(ListRe::new(&[], None, 128).expect("ok").on("b").is_none());
        assert_eq!(
            l.on_prefixed("target_branch", "refs/heads/"),
            r#"(target_branch.startsWith("refs/heads/")) && (target_branch.matches("^refs/heads/(?s:(?:main))$")) && (!target_branch.matches("^refs/heads/(?s:(?:wip/[^/]*))$"))"#
        );
    }
}
