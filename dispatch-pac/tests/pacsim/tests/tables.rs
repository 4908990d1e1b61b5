//! PaC's own tables for its pure functions, ported: `TestBranchMatch`, `TestGetAnnotationValues`,
//! `TestGetTargetBranch` (pkg/matcher/annotation_matcher_test.go) and the opscomments tables
//! (pkg/opscomments/comments_test.go). They pin the model down.

use serde_json::json;

use crate::event::PacEvent;
use crate::matcher::{Stop, branch_match, get_annotation_values, get_target_branch};
use crate::opscomments::{
    Kind, comment_event_type, is_ok_to_test, name_from_comment, sha_from_ok_to_test,
};

macro_rules! branch_match_cases {
    ($($name:ident: $base:literal, $prun:literal => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(branch_match($prun, $base), Ok($want), "branchMatch({:?}, {:?})", $prun, $base);
        }
    )*};
}

mod branch_match {
    use super::*;
    branch_match_cases! {
        both_names: "main", "main" => true;
        base_branch_refs_head: "refs/heads/main", "main" => true;
        prun_branch_refs_head: "main", "refs/heads/main" => true;
        both_refs_heads: "refs/heads/main", "refs/heads/main" => true;
        base_branch_refs_tags: "refs/tags/v0.20.0", "main" => false;
        prun_branch_refs_tags: "main", "refs/tags/*" => false;
        base_branch_refs_tags_and_prun_branch_refs_head: "refs/tags/v0.20.0", "refs/heads/main" => false;
        base_branch_refs_head_and_prun_branch_refs_tags: "refs/heads/main", "refs/tags/*" => false;
        both_refs_tags: "refs/tags/v0.20.0", "refs/tags/*" => true;
        different_names: "main", "test" => false;
        base_value_of_path_is_same: "refs/heads/foo/test", "test" => false;
        base_value_of_path_is_same_opposite: "test", "refs/heads/foo/test" => false;
        base_value_of_path_is_same_in_both: "refs/heads/bar/test", "refs/heads/foo/test" => false;
        different_refs_tags: "refs/tags/v0.20.0", "refs/tags/v0.19.0" => false;
        different_refs_heads: "refs/heads/main", "refs/heads/mains" => false;
    }
}

macro_rules! annotation_values_cases {
    ($($name:ident: $ann:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: Option<Vec<&str>> = $want;
            let got = get_annotation_values($ann);
            match want {
                Some(w) => assert_eq!(got, Ok(w.iter().map(|s| s.to_string()).collect::<Vec<_>>())),
                None => assert!(got.is_err(), "{:?} should be an error, got {got:?}", $ann),
            }
        }
    )*};
}

mod get_annotation_values {
    use super::*;
    annotation_values_cases! {
        get_annotation_string: "foo" => Some(vec!["foo"]);
        get_annotation_simple: "[foo]" => Some(vec!["foo"]);
        get_annotation_string_html_encoded_comma_list: "[foo&#44;,bar]" => Some(vec!["foo,", "bar"]);
        get_annotation_string_html_encoded_comma: "foo&#44;bar" => Some(vec!["foo,bar"]);
        get_annotation_multiples: "[foo, bar]" => Some(vec!["foo", "bar"]);
        get_annotation_multiple_string_bad_syntax: "foo, bar" => None;
        get_annotation_bad_syntax: "foo]" => None;
        get_annotation_error_empty: "[]" => None;
    }
}

fn target_case(
    on_event: &str,
    on_branch: &str,
    trigger: &str,
    event_type: &str,
) -> Result<(bool, String, String), Stop> {
    let run = json!({"metadata": {"annotations": {
        "pipelinesascode.tekton.dev/on-event": on_event,
        "pipelinesascode.tekton.dev/on-target-branch": on_branch,
    }}});
    let e = PacEvent {
        trigger_target: trigger.into(),
        event_type: event_type.into(),
        base_branch: "main".into(),
        ..PacEvent::default()
    };
    get_target_branch(&run, &e)
}

macro_rules! target_branch_cases {
    ($($name:ident: $ev:literal, $br:literal, $tt:literal, $et:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: Result<(bool, &str, &str), &str> = $want;
            let got = target_case($ev, $br, $tt, $et);
            match want {
                Ok((m, e, b)) => assert_eq!(got, Ok((m, e.to_owned(), b.to_owned()))),
                Err(msg) => assert_eq!(got, Err(Stop::Error(msg.to_owned()))),
            }
        }
    )*};
}

mod get_target_branch {
    use super::*;
    target_branch_cases! {
        test_with_pull_request_event: "pull_request", "main", "pull_request", "pull_request" => Ok((true, "pull_request", "main"));
        test_with_pull_request_event_again: "pull_request", "main", "pull_request", "pull_request" => Ok((true, "pull_request", "main"));
        test_with_incoming_event: "incoming", "main", "incoming", "incoming" => Ok((true, "incoming", "main"));
        test_with_no_match: "push", "develop", "pull_request", "pull_request" => Ok((false, "", ""));
        test_empty_array_on_event: "[]", "main", "pull_request", "pull_request" => Err("annotation on-event is empty");
        test_empty_array_on_target_branch: "pull_request", "[]", "pull_request", "pull_request" => Err("annotation on-target-branch is empty");
    }
}

macro_rules! comment_type_cases {
    ($($name:ident: $comment:literal, $prefix:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(comment_event_type($comment, $prefix), $want, "{:?}", $comment);
        }
    )*};
}

mod comment_event_type {
    use super::*;
    comment_type_cases! {
        // TestCommentEventTypeTest
        retest_all: "/retest", "/" => Kind::RetestAll;
        retest_single: "/retest prname", "/" => Kind::RetestSingle;
        test_all: "/test", "/" => Kind::TestAll;
        test_single: "/test prname", "/" => Kind::TestSingle;
        ok_to_test: "/ok-to-test", "/" => Kind::OkToTest;
        no_comment_event_type: "random comment", "/" => Kind::NoOps;
        cancel_all: "/cancel", "/" => Kind::CancelAll;
        cancel_single: "/cancel prname", "/" => Kind::CancelSingle;
        test_all_with_prefix: "/pac test", "/pac " => Kind::TestAll;
        test_single_with_prefix: "/pac test prname", "/pac " => Kind::TestSingle;
        retest_all_with_prefix: "/pac retest", "/pac " => Kind::RetestAll;
        retest_single_with_prefix: "/pac retest prname", "/pac " => Kind::RetestSingle;
        cancel_all_with_prefix: "/pac cancel", "/pac " => Kind::CancelAll;
        cancel_single_with_prefix: "/pac cancel prname", "/pac " => Kind::CancelSingle;
        // TestIsTestRetestComment
        valid_retest: "/retest", "/" => Kind::RetestAll;
        valid_test_all: "/test", "/" => Kind::TestAll;
        valid_retest_with_some_string_before: "/lgtm \n/retest", "/" => Kind::RetestAll;
        valid_test_with_some_string_before: "/lgtm \n/test", "/" => Kind::TestAll;
        retest_with_some_string_before_and_after: "hi, trigger the ci \n/retest \n then report the status back", "/" => Kind::RetestAll;
        test_valid_with_some_string_before_and_after: "hi, trigger the ci \n/test \n then report the status back", "/" => Kind::TestAll;
        test_single_with_some_string_before_and_after: "hi, trigger the ci \n/test foobar\n then report the status back", "/" => Kind::TestSingle;
        valid_comments: "/lgtm \n/retest \n/approve", "/" => Kind::RetestAll;
        retest_trigger_single_pr: "/retest abc", "/" => Kind::RetestSingle;
        test_trigger_single_pr: "/test abc", "/" => Kind::TestSingle;
        invalid_no_slash: "test abc", "/" => Kind::NoOps;
        invalid_ok: "/ok", "/" => Kind::NoOps;
        valid_retest_with_prefix: "/pac retest", "/pac " => Kind::RetestAll;
        valid_test_with_prefix: "/pac test", "/pac " => Kind::TestAll;
        // Go's \s is ASCII: a no-break space is no separator (the model's own case).
        nbsp_is_not_space: "/test\u{a0}x", "/" => Kind::NoOps;
        vertical_tab_is_not_go_space: "/test\u{b}", "/" => Kind::NoOps;
    }
}

macro_rules! ok_to_test_cases {
    ($($name:ident: $comment:literal, $prefix:literal => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(is_ok_to_test($comment, $prefix), $want, "{:?}", $comment);
        }
    )*};
}

mod is_ok_to_test_comment {
    use super::*;
    ok_to_test_cases! {
        valid: "/ok-to-test", "/" => true;
        valid_with_some_string_before: "/lgtm \n/ok-to-test", "/" => true;
        valid_with_some_string_before_and_after: "hi, trigger the ci \n/ok-to-test \n then report the status back", "/" => true;
        valid_comments: "/lgtm \n/ok-to-test \n/approve", "/" => true;
        invalid: "/ok", "/" => false;
        valid_comment_with_sha: "/ok-to-test 1234567", "/" => true;
        valid_comment_with_sha_with_prefix: "/pac ok-to-test 1234567", "/pac " => true;
    }
}

macro_rules! sha_cases {
    ($($name:ident: $comment:literal, $prefix:literal => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(sha_from_ok_to_test($comment, $prefix), $want, "{:?}", $comment);
        }
    )*};
}

mod get_sha_from_ok_to_test_comment {
    use super::*;
    sha_cases! {
        no_sha: "/ok-to-test", "/" => "";
        short_sha: "/ok-to-test 1234567", "/" => "1234567";
        full_sha: "/ok-to-test 1234567890123456789012345678901234567890", "/" => "1234567890123456789012345678901234567890";
        sha_with_surrounding_text: "lgtm\n/ok-to-test 1234567\napproved", "/" => "1234567";
        no_sha_with_prefix: "/pac ok-to-test", "/pac " => "";
        sha_with_prefix: "/pac ok-to-test 1234567", "/pac " => "1234567";
    }
}

macro_rules! name_cases {
    ($($name:ident: $comment:literal, $kind:literal => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(name_from_comment($kind, $comment), $want, "{:?}", $comment);
        }
    )*};
}

mod get_name_from_function {
    use super::*;
    name_cases! {
        get_name_from_test_comment: "/test prname", "/test" => "prname";
        get_name_from_test_comment_with_args: "/test prname foo=bar hello=moto", "/test" => "prname";
        key_value_arg_is_not_a_pipeline_name: "/test custom1=value", "/test" => "";
        key_value_args_without_pipeline_name: "/test foo=bar hello=moto", "/test" => "";
        get_name_from_cancel_comment: "/cancel prname", "/cancel" => "prname";
        get_name_from_retest_comment: "/retest prname", "/retest" => "prname";
    }
}
