//! Properties: any strings in a Dispatchfile come out as YAML that reads back as the JSON output.

use dispatch_tekton::LowerOptions;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::common::{lower_push, pipeline, yaml_round_trip};

/// Strings that stress the YAML emitter: indicators, YAML 1.1 and 1.2 look-alikes, line breaks,
/// quotes, odd whitespace and non-ASCII.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "~",
            "null",
            "Null",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "true",
            "1",
            "0",
            "-1",
            "+1",
            "1.0",
            "1e3",
            ".5",
            "0x1F",
            "0o17",
            "0b11",
            "1_000",
            "1:20",
            "2001-12-14",
            ".inf",
            "-.Inf",
            ".NaN",
            "-",
            "--",
            "---",
            "...",
            "- x",
            "? x",
            ": x",
            "#x",
            "a #b",
            "a: b",
            "a:b",
            "<<",
            "=",
            "*x",
            "&x",
            "!x",
            "|",
            ">",
            "%x",
            "@x",
            "`x",
            "'x'",
            "\"x\"",
            " x",
            "x ",
            "\t",
            "a\nb",
            "a\n",
            "a\n\n",
            "\na",
            " a\nb",
            "a\r\nb",
            "é",
            "\u{2028}",
            "\u{feff}x",
            "\u{85}",
            "\u{0}",
        ])
        .prop_map(str::to_owned),
        "[ -~\n\t:#'\"{}\\[\\],&*!|>%@`é]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_strings_read_back_from_yaml(args in prop::collection::vec(tricky(), 0..6), env in tricky(), note in tricky()) {
        let p = pipeline(&json!({"task": {"t": {
            "metadata": {"annotations": {"note": note}},
            "steps": [{"name": "s", "image": "alpine:3.20", "args": args, "env": [{"name": "E", "value": env}]}]
        }}}));
        let lowered = lower_push(&p, &["t"], &LowerOptions::default()).expect("lowers");
        let docs: Vec<Value> = serde_json::from_str(&lowered.to_json()).expect("JSON");
        let problems = yaml_round_trip(&lowered, &docs);
        prop_assert!(problems.is_empty(), "{}\n{}", problems.join("\n"), lowered.to_yaml());
    }
}
