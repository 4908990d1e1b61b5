//! Chatops comment parsing.

/// The command and arguments of a pull-request comment, or `None` when it holds no command.
///
/// Leading whitespace is removed; the first line (up to `\n`) must start with `/`; the command runs
/// from after the `/` to the first whitespace character (`\r` included) or the line end; an empty
/// command is no command; the arguments are the rest of the first line, trimmed. Only the first line
/// is looked at, so a multi-megabyte comment costs the length of its first line.
///
/// ```
/// use dispatch_trigger::parse_chatops;
/// assert_eq!(parse_chatops("  /test e2e please\nthanks"), Some(("test", "e2e please")));
/// assert_eq!(parse_chatops("LGTM\n/test"), None);
/// ```
#[must_use]
pub fn parse(comment: &str) -> Option<(&str, &str)> {
    let body = comment.trim_start();
    let line = body.split('\n').next().unwrap_or("");
    let after = line.strip_prefix('/')?;
    let end = after.find(char::is_whitespace).unwrap_or(after.len());
    let command = &after[..end];
    if command.is_empty() {
        return None;
    }
    Some((command, after[end..].trim()))
}

#[cfg(test)]
mod tests {
    use super::parse;

    macro_rules! chatops_cases {
        ($($name:ident: $comment:literal => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(parse($comment), $want, "parse({:?})", $comment);
            }
        )*};
    }

    chatops_cases! {
        plain: "/test" => Some(("test", ""));
        with_args: "/test please" => Some(("test", "please"));
        longer_word: "/testing" => Some(("testing", ""));
        crlf_then_text: "/test\r\n\nflaky infra" => Some(("test", ""));
        leading_spaces: "   /test" => Some(("test", ""));
        leading_newlines: "\n\n /test x" => Some(("test", "x"));
        not_first_word: "please /test" => None;
        not_first_line: "LGTM\n/test" => None;
        quoted: "> /test\nsure" => None;
        capital: "/Test" => Some(("Test", ""));
        space_after_slash: "/ test" => None;
        slash_only: "/" => None;
        fenced: "```\n/test\n```" => None;
        dash: "/test-e2e" => Some(("test-e2e", ""));
        tab_args: "/deploy\tstaging  now \r\nmore" => Some(("deploy", "staging  now"));
        unicode_space: "/test\u{a0}x" => Some(("test", "x"));
        empty: "" => None;
    }
}
