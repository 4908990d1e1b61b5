//! Fuzz chatops parsing against a reference written from the documented rules, and through
//! matching: a `pull_request_comment` event fires a chatops action exactly when the reference
//! finds one of its words as the command.
#![no_main]

use dispatch_trigger::{Event, compile, parse_chatops};
use dispatchfile_model::{DecodeOptions, Document, Limits, Node, Span, decode};

/// The documented rules, char by char: skip leading whitespace; the first line must start with `/`; the
/// command runs to the first whitespace or the line end; args are the rest of the line, trimmed.
fn reference(comment: &str) -> Option<(String, String)> {
    let mut chars = comment.chars().skip_while(|c| c.is_whitespace());
    if chars.next() != Some('/') {
        return None;
    }
    let line: String = chars.take_while(|&c| c != '\n').collect();
    let command: String = line.chars().take_while(|c| !c.is_whitespace()).collect();
    if command.is_empty() {
        return None;
    }
    let args = line[command.len()..].trim().to_owned();
    Some((command, args))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(comment) = std::str::from_utf8(data) else {
        return;
    };
    let ours = parse_chatops(comment);
    let want = reference(comment);
    assert_eq!(
        ours.map(|(c, a)| (c.to_owned(), a.to_owned())),
        want,
        "parse_chatops({comment:?})"
    );
    if let Some((command, args)) = ours {
        // Both are slices of the comment (no copies), within its first command line.
        let base = comment.as_ptr() as usize;
        for part in [command, args] {
            let at = part.as_ptr() as usize;
            assert!(
                at >= base && at + part.len() <= base + comment.len(),
                "{part:?} lies inside the comment"
            );
        }
        assert!(
            !command.contains(char::is_whitespace) && !command.is_empty(),
            "command {command:?}"
        );
    }

    // Through matching: the action fires iff the command is exactly one of the words.
    let word = ours.map_or("test", |(c, _)| c);
    let words = [word.to_owned(), "test".to_owned(), format!("{word}x")];
    let json = serde_json::json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"tasks": ["t"], "on": {"pull_request": {"chatops": words}}}],
    });
    let decoded = decode(
        &Document {
            root: Node::from_json(&json, Span::default()),
        },
        &DecodeOptions::default(),
        &Limits::default(),
    );
    let Some(pipeline) = decoded.pipeline else {
        // A word the model rejects (decoding checks it) is not a matching question.
        return;
    };
    let triggers =
        compile(&pipeline, &Limits::default()).expect("a pipeline without globs compiles");
    let event = serde_json::json!({"kind": "pull_request_comment", "number": 1, "base": "main", "head": "f",
        "commit": "c", "url": "u", "comment": comment});
    let event = Event::from_json(&event.to_string()).expect("a well-formed comment event");
    let result = triggers.match_event(&event);
    let fires = ours.is_some_and(|(c, _)| words.iter().any(|w| w == c));
    assert_eq!(
        result.actions,
        if fires { vec![0] } else { vec![] },
        "comment {comment:?} against {words:?}"
    );
    assert_eq!(
        result.tasks.is_empty(),
        !fires,
        "a fired action runs its task"
    );
});
