//! Context variables and their substitution.

// Context variables stay here: their values come from events (this crate's subject), and the
// lowering already reaches them through the `ContextVars` of its `Selection`.

use crate::chatops;
use crate::event::{Event, short_branch, short_tag};

/// The seven `$(context.…)` variables of a build.
///
/// ```
/// use dispatch_trigger::{ContextVars, Event, substitute};
/// let e = Event::from_json(r#"{"kind":"push","branch":"feature/x","commit":"abc","url":"https://g/x.git"}"#)?;
/// let vars = ContextVars::for_event(&e, None);
/// assert_eq!(vars.build_name, "feature-x");
/// assert_eq!(substitute("$(context.git.commit)@$(context.build.name)", &vars), "abc@feature-x");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ContextVars {
    /// `$(context.build.name)`: only `[A-Za-z0-9_.-]`, every other character replaced by `-`.
    pub build_name: String,
    /// `$(context.git.url)`.
    pub git_url: String,
    /// `$(context.git.commit)`.
    pub git_commit: String,
    /// `$(context.git.branch)`.
    pub git_branch: String,
    /// `$(context.git.tag)`.
    pub git_tag: String,
    /// `$(context.chatop.command)`.
    pub chatop_command: String,
    /// `$(context.chatop.args)`.
    pub chatop_args: String,
}

impl ContextVars {
    /// The variables for an event: each kind fills the ones it has a value for, the rest are empty
    /// (the table is in docs/events.md).
    ///
    /// `cron_revision` is the revision of the cron action that fired (used for cron events only;
    /// `None` means the default `master`).
    #[must_use]
    pub fn for_event(event: &Event, cron_revision: Option<&str>) -> ContextVars {
        let s = str::to_owned;
        match event {
            Event::Push(e) => {
                let branch = short_branch(&e.branch);
                ContextVars {
                    build_name: build_name(branch),
                    git_url: s(&e.url),
                    git_commit: s(&e.commit),
                    git_branch: s(branch),
                    ..ContextVars::default()
                }
            }
            Event::Tag(e) => tag_vars(short_tag(&e.tag), &e.commit, &e.url),
            Event::Release(e) => tag_vars(short_tag(&e.tag), &e.commit, &e.url),
            Event::PullRequest(e) => ContextVars {
                build_name: format!("pr-{}", e.number),
                git_url: s(&e.url),
                git_commit: s(&e.commit),
                git_branch: s(short_branch(&e.head)),
                ..ContextVars::default()
            },
            Event::PullRequestComment(e) => {
                let (command, args) = chatops::parse(&e.comment).unwrap_or(("", ""));
                ContextVars {
                    build_name: format!("pr-{}", e.number),
                    git_url: s(&e.url),
                    git_commit: s(&e.commit),
                    git_branch: s(short_branch(&e.head)),
                    chatop_command: s(command),
                    chatop_args: s(args),
                    ..ContextVars::default()
                }
            }
            Event::Cron(e) => {
                let revision = cron_revision.unwrap_or("master");
                ContextVars {
                    build_name: build_name(&e.action),
                    git_url: e.url.clone().unwrap_or_default(),
                    git_commit: e.commit.clone().unwrap_or_else(|| s(revision)),
                    git_branch: s(revision),
                    ..ContextVars::default()
                }
            }
            Event::ImagePush(e) => ContextVars {
                build_name: build_name(&e.tag),
                ..ContextVars::default()
            },
        }
    }

    /// The variables of a run without an event (`--task`): all empty except `build.name` = `manual`.
    #[must_use]
    pub fn manual() -> ContextVars {
        ContextVars {
            build_name: "manual".to_owned(),
            ..ContextVars::default()
        }
    }

    /// The value of a variable by the name inside `$(context.…)` (`git.url`), if it is one of the seven.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "build.name" => &self.build_name,
            "git.url" => &self.git_url,
            "git.commit" => &self.git_commit,
            "git.branch" => &self.git_branch,
            "git.tag" => &self.git_tag,
            "chatop.command" => &self.chatop_command,
            "chatop.args" => &self.chatop_args,
            _ => return None,
        })
    }

    /// The seven `(name, value)` pairs, names in byte order (the order of the `dispatch match`
    /// output).
    #[must_use]
    pub fn entries(&self) -> [(&'static str, &str); 7] {
        [
            ("build.name", &self.build_name),
            ("chatop.args", &self.chatop_args),
            ("chatop.command", &self.chatop_command),
            ("git.branch", &self.git_branch),
            ("git.commit", &self.git_commit),
            ("git.tag", &self.git_tag),
            ("git.url", &self.git_url),
        ]
    }
}

fn tag_vars(tag: &str, commit: &str, url: &str) -> ContextVars {
    ContextVars {
        build_name: build_name(tag),
        git_url: url.to_owned(),
        git_commit: commit.to_owned(),
        git_tag: tag.to_owned(),
        ..ContextVars::default()
    }
}

/// `s` with every character outside `[A-Za-z0-9_.-]` replaced by `-`.
fn build_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Replaces exactly the seven `$(context.…)` spellings in `s`; everything else
/// (Tekton's `$(context.taskRun.name)`, unknown names, unclosed `$(`) is left untouched.
///
/// Linear in `s`; the replacement values are inserted verbatim and not scanned again.
///
/// ```
/// use dispatch_trigger::{substitute, ContextVars};
/// let vars = ContextVars::manual();
/// assert_eq!(substitute("$(context.build.name) $(context.taskRun.name)", &vars), "manual $(context.taskRun.name)");
/// ```
#[must_use]
pub fn substitute(s: &str, vars: &ContextVars) -> String {
    const OPEN: &str = "$(context.";
    // Most strings have no variable at all: one byte scan instead of a substring search.
    if !s.as_bytes().contains(&b'$') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        // Variable names are short; look for the `)` only among the next few bytes.
        let value = after
            .bytes()
            .take(16)
            .position(|b| b == b')')
            .and_then(|end| vars.get(&after[..end]).map(|v| (v, end)));
        if let Some((v, end)) = value {
            out.push_str(v);
            rest = &after[end + 1..];
        } else {
            out.push_str(OPEN);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! subst_cases {
        ($($name:ident: $input:literal => $want:literal;)*) => {$(
            #[test]
            fn $name() {
                let vars = ContextVars {
                    build_name: "b".into(),
                    git_url: "u".into(),
                    git_commit: "c".into(),
                    git_branch: "br".into(),
                    git_tag: "t".into(),
                    chatop_command: "cmd".into(),
                    chatop_args: "a $(context.git.url)".into(),
                };
                assert_eq!(substitute($input, &vars), $want, "substitute({:?})", $input);
            }
        )*};
    }

    subst_cases! {
        subst_all_seven: "$(context.build.name)|$(context.git.url)|$(context.git.commit)|$(context.git.branch)|$(context.git.tag)|$(context.chatop.command)|$(context.chatop.args)"
            => "b|u|c|br|t|cmd|a $(context.git.url)";
        subst_leaves_tekton_context: "$(context.taskRun.name)" => "$(context.taskRun.name)";
        subst_leaves_unknown: "$(context.git.sha)" => "$(context.git.sha)";
        subst_leaves_unclosed: "$(context.git.url" => "$(context.git.url";
        subst_adjacent: "$(context.git.tag)$(context.git.tag)" => "tt";
        subst_nested_prefix: "$(context.$(context.git.tag))" => "$(context.t)";
        subst_no_vars: "plain text" => "plain text";
        subst_old_spelling_untouched: "$(context.git-url)" => "$(context.git-url)";
        subst_non_ascii: "é$(context.git.tag)é" => "été";
    }

    #[test]
    fn build_name_replaces_every_other_character() {
        assert_eq!(build_name("feature/x"), "feature-x");
        assert_eq!(build_name("v1.0_rc-1"), "v1.0_rc-1");
        assert_eq!(build_name("é/ü"), "---");
    }

    #[test]
    fn manual_is_empty_but_build_name() {
        let m = ContextVars::manual();
        assert_eq!(m.build_name, "manual");
        assert_eq!(m.entries().iter().filter(|(_, v)| v.is_empty()).count(), 6);
    }
}
