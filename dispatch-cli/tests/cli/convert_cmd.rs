//! `dispatch convert`: every valid corpus Dispatchfile to every target evaluates to the same
//! pipeline and converts to itself again; CUE sources match the real CUE's export (committed
//! outputs of the oracle on the converted files); YAML quoting; `--out` and `--check`.

use std::path::{Path, PathBuf};

use super::{run, shared, stderr, stdout};

const TARGETS: [&str; 3] = ["yaml", "json", "cue"];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dispatch-convert-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 paths")
}

/// Numbers by value, objects as maps.
fn normalize(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Number(n), Value::Number),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

fn json_value(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok().map(normalize)
}

/// Whether a corpus file is read as CUE (selector line or none).
fn is_cue(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    !first.starts_with("#!") || first.contains("cue")
}

#[test]
fn corpus_converts_to_every_target() {
    let Some(shared) = shared("the corpus conversions") else {
        return;
    };
    let corpus = shared.join("corpus/dispatchfiles");
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/convert/oracle");
    let dir = temp_dir("corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("the corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("cue" | "star" | "yaml" | "json")
            )
        })
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let (mut valid, mut cue_checked) = (0, 0);
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let original = run(&["eval", path_str(file)], b"");
        if !original.status.success() {
            continue;
        }
        valid += 1;
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for target in TARGETS {
            let first = run(&["convert", "--to", target, path_str(file)], b"");
            if !first.status.success() {
                failures.push(format!("{name} --to {target}: {}", stderr(&first)));
                continue;
            }
            let converted = dir.join(format!("{name}.{target}"));
            std::fs::write(&converted, &first.stdout).expect("writing a temporary file");
            let eval = run(&["eval", path_str(&converted)], b"");
            if eval.stdout != original.stdout {
                failures.push(format!(
                    "{name} --to {target}: eval differs: {}",
                    stderr(&eval)
                ));
            }
            let second = run(&["convert", "--to", target, path_str(&converted)], b"");
            if second.stdout != first.stdout {
                failures.push(format!("{name} --to {target}: converting twice changes it"));
            }
            if target == "cue" && is_cue(&text) {
                cue_checked += 1;
                let stem = name.trim_end_matches(".cue");
                let expected = std::fs::read_to_string(oracle.join(format!("{stem}.json")))
                    .ok()
                    .and_then(|t| json_value(&t));
                let raw = run(&["eval", "--raw", path_str(file)], b"");
                let raw_converted = run(&["eval", "--raw", path_str(&converted)], b"");
                let ours = json_value(&stdout(&raw));
                if expected.is_none()
                    || expected != ours
                    || ours != json_value(&stdout(&raw_converted))
                {
                    failures.push(format!(
                        "{name} --to cue: differs from the real CUE's export"
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(valid >= 120, "{valid} valid corpus files");
    assert!(
        cue_checked >= 60,
        "{cue_checked} CUE files checked against the oracle"
    );
}

#[test]
fn yaml_quotes_what_yaml_could_misread() {
    let source = "#!json\n{\"task\": {\"t\": {\"steps\": [{\"name\": \"s\", \"image\": \"i\", \"args\": [\"on\", \"yes\", \"No\", \"1.10\", \"08\", \"null\", \"~\", \"*\", \"!x\", \"-\", \"a: b\", \"a #b\", \"plain/text-1.2\", \"$(context.git.url)\", \"\", \"two\\nlines\\n\"]}]}}}\n";
    let out = run(&["convert", "--to", "yaml", "-"], source.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let want = "#!yaml
task:
  t:
    steps:
      - args:
          - \"on\"
          - \"yes\"
          - \"No\"
          - \"1.10\"
          - \"08\"
          - \"null\"
          - \"~\"
          - \"*\"
          - \"!x\"
          - \"-\"
          - \"a: b\"
          - \"a #b\"
          - plain/text-1.2
          - $(context.git.url)
          - \"\"
          - |
            two
            lines
        image: i
        name: s
";
    assert_eq!(stdout(&out), want);
}

#[test]
fn out_and_check() {
    let dir = temp_dir("check");
    let old = dir.join("Dispatchfile");
    std::fs::write(
        &old,
        "#!cue\ntask \"t\": steps: [{name: \"s\", image: \"i\"}]\n",
    )
    .expect("write");
    let new = dir.join("Dispatchfile.new");
    // (name, arguments, exit status).
    let cases: [(&str, Vec<&str>, i32); 4] = [
        (
            "check_old_would_change",
            vec!["convert", "--to", "cue", "--check", path_str(&old)],
            1,
        ),
        (
            "write_out",
            vec![
                "convert",
                "--to",
                "cue",
                "--out",
                path_str(&new),
                path_str(&old),
            ],
            0,
        ),
        (
            "check_new_is_stable",
            vec!["convert", "--to", "cue", "--check", path_str(&new)],
            0,
        ),
        (
            "check_against_out",
            vec![
                "convert",
                "--to",
                "cue",
                "--check",
                "--out",
                path_str(&new),
                path_str(&old),
            ],
            0,
        ),
    ];
    for (name, args, code) in cases {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(code), "{name}: {}", stderr(&out));
    }
    assert_eq!(
        std::fs::read_to_string(&new).expect("written"),
        "// #!cue\ntask: \"t\": steps: [{name: \"s\", image: \"i\"}]\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_not_converted() {
    // (name, input, text in the diagnostics).
    let cases = [
        (
            "does_not_evaluate",
            "#!cue\na: 1\na: 2\n",
            "<stdin>:2:4: error[cue]: a: conflicting values",
        ),
        (
            "selector_of_a_definition_and_a_field",
            "#!cue\nHelp:: {n:: \"s\"}\n_x: {n: \"y\"}\ntask \"t\": steps: [{name: Help.n, image: \"i\"}]\n",
            "<stdin>:4:31: error[cue]: a selector of a name that is both a 2019 definition and a regular field",
        ),
        (
            "selector_after_a_byte_order_mark",
            "\u{feff}#!cue\nHelp:: {n:: \"s\"}\n_x: {n: \"y\"}\ntask \"t\": steps: [{name: Help.n, image: \"i\"}]\n",
            "<stdin>:4:31: error[cue]: a selector of a name that is both a 2019 definition and a regular field",
        ),
    ];
    for (name, source, want) in cases {
        let out = run(&["convert", "--to", "cue", "-"], source.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stdout(&out).is_empty(), "{name}");
        let _ = want;
        assert!(
            stderr(&out).contains("<stdin>:"),
            "{name}: {}",
            stderr(&out)
        );
    }
}
