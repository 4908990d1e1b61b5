//! GitOps comment commands (`pkg/opscomments`): which command a comment holds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::re2::Re2;

/// The comment event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No command.
    NoOps,
    /// `/test`.
    TestAll,
    /// `/test NAME`.
    TestSingle,
    /// `/retest NAME`.
    RetestSingle,
    /// `/retest`.
    RetestAll,
    /// `/cancel NAME`.
    CancelSingle,
    /// `/cancel`.
    CancelAll,
    /// `/ok-to-test [sha]`.
    OkToTest,
}

impl Kind {
    /// The `EventType` string.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::NoOps => "no-ops-comment",
            Kind::TestAll => "test-all-comment",
            Kind::TestSingle => "test-comment",
            Kind::RetestSingle => "retest-comment",
            Kind::RetestAll => "retest-all-comment",
            Kind::CancelSingle => "cancel-comment",
            Kind::CancelAll => "cancel-all-comment",
            Kind::OkToTest => "ok-to-test-comment",
        }
    }
}

/// Whether `event_type` is one of the GitOps comment types (`IsAnyOpsEventType`).
pub(crate) fn is_any_ops(event_type: &str) -> bool {
    [
        "test-comment",
        "test-all-comment",
        "retest-all-comment",
        "retest-comment",
        "cancel-comment",
        "cancel-all-comment",
        "ok-to-test-comment",
        "on-comment",
    ]
    .contains(&event_type)
}

struct Res {
    retest_all: Re2,
    retest_single: Re2,
    test_all: Re2,
    test_single: Re2,
    ok_to_test: Re2,
    cancel_all: Re2,
    cancel_single: Re2,
}

thread_local! {
    static RES: RefCell<HashMap<String, Rc<Res>>> = RefCell::new(HashMap::new());
}

/// The regexes for a GitOps prefix (inserted into the patterns as is, as PaC does).
fn res(prefix: &str) -> Rc<Res> {
    RES.with(|m| {
        Rc::clone(m.borrow_mut().entry(prefix.to_owned()).or_insert_with(|| {
            let re = |p: String| Re2::new(&p).expect("the opscomments regexes compile");
            Rc::new(Res {
                retest_all: re(format!(r"(?m)^\s*{prefix}retest\s*$")),
                retest_single: re(format!(r"(?m)^\s*{prefix}retest[ \t]+\S+")),
                test_all: re(format!(r"(?m)^\s*{prefix}test\s*$")),
                test_single: re(format!(r"(?m)^\s*{prefix}test[ \t]+\S+")),
                ok_to_test: re(format!(
                    r"(^|\n)\s*{prefix}ok-to-test(?:\s+([a-fA-F0-9]{{7,40}}))?\s*(\r\n|\r|\n|$)"
                )),
                cancel_all: re(format!(r"(?m)^\s*{prefix}cancel\s*$")),
                cancel_single: re(format!(r"(?m)^\s*{prefix}cancel[ \t]+\S+")),
            })
        }))
    })
}

/// `CommentEventType`.
pub(crate) fn comment_event_type(comment: &str, prefix: &str) -> Kind {
    let r = res(prefix);
    if r.retest_all.is_match(comment) {
        Kind::RetestAll
    } else if r.retest_single.is_match(comment) {
        Kind::RetestSingle
    } else if r.test_all.is_match(comment) {
        Kind::TestAll
    } else if r.test_single.is_match(comment) {
        Kind::TestSingle
    } else if r.ok_to_test.is_match(comment) {
        Kind::OkToTest
    } else if r.cancel_all.is_match(comment) {
        Kind::CancelAll
    } else if r.cancel_single.is_match(comment) {
        Kind::CancelSingle
    } else {
        Kind::NoOps
    }
}

/// `IsOkToTestComment`.
pub(crate) fn is_ok_to_test(comment: &str, prefix: &str) -> bool {
    res(prefix).ok_to_test.is_match(comment)
}

/// The SHA of an `/ok-to-test SHA` comment (`GetSHAFromOkToTestComment`).
pub(crate) fn sha_from_ok_to_test(comment: &str, prefix: &str) -> String {
    res(prefix)
        .ok_to_test
        .captures(comment)
        .and_then(|c| c.get(2).cloned().flatten())
        .map(|s| go_trim_space(&s).to_owned())
        .unwrap_or_default()
}

/// Go's `strings.TrimSpace` (Unicode White_Space, as Rust's `trim`).
pub(crate) fn go_trim_space(s: &str) -> &str {
    s.trim()
}

/// `getNameFromComment`: the first argument after the first `typeOfComment`, "" when absent or
/// when it holds `=`.
pub(crate) fn name_from_comment(type_of_comment: &str, comment: &str) -> String {
    let trimmed = go_trim_space(comment);
    let mut split = trimmed.split(type_of_comment);
    let _ = split.next();
    let Some(after) = split.next() else {
        return String::new();
    };
    let first_line = after.split('\n').next().unwrap_or("");
    let mut args = first_line.split(' ');
    let _ = args.next();
    let Some(arg) = args.next() else {
        return String::new();
    };
    let name = go_trim_space(arg);
    if name.contains('=') {
        return String::new();
    }
    name.to_owned()
}
