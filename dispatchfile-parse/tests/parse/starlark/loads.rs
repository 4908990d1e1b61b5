//! `load()`: the embedded catalog, the embedder's loader, local paths, caching, cycles and the
//! module limit.

use std::fmt::Write as _;

use dispatchfile_model::{Diagnostic, Limits};

use super::{MODERN, MemLoader, first_error, raw, star, star_with};

const CATALOG: &str = "github.com/mesosphere/dispatch-catalog/starlark";

macro_rules! load_errors {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = star(&format!("{MODERN}{}", $src));
            let got = first_error(&e);
            assert!(got.contains($want), "{got:?} should contain {:?}", $want);
        }
    )*};
}

load_errors! {
    no_loader_for_other_modules:
        "load(\"github.com/acme/lib/x@v1\", \"f\")\n"
        => "Dispatchfile:2:6: error[load]: cannot load \"github.com/acme/lib/x@v1\": no module loader";
    no_loader_for_local_modules:
        "load(\"/lib\", \"f\")\n"
        => "error[load]: cannot load \"/lib\": no module loader";
    unknown_catalog_version_lists_the_embedded_ones:
        format!("load(\"{CATALOG}/stable/docker@dc4612e\", \"dind_task\")\n")
        => "no module loader; the embedded catalog has versions 0.0.1, 0.0.2, 0.0.3, 0.0.4, 0.0.5, 0.0.6, 0.0.7, 0.0.8, 0.0.9, master";
    catalog_module_missing_at_the_tag:
        format!("load(\"{CATALOG}/stable/git@0.0.5\", \"git_resource\")\n")
        => "the embedded catalog has stable/git at 0.0.7…master";
    unknown_catalog_module:
        format!("load(\"{CATALOG}/stable/util@0.0.4\", \"clean\")\n")
        => "the embedded catalog has no module stable/util";
    moved_symbol_names_its_new_home:
        format!("load(\"{CATALOG}/stable/pipeline@master\", \"git_resource\")\n")
        => "error[load]: \"git_resource\" is not exported by stable/pipeline@master; it moved to stable/git in 0.0.7";
    symbol_added_later:
        format!("load(\"{CATALOG}/stable/pipeline@0.0.5\", \"cron\")\n")
        => "\"cron\" is not exported by stable/pipeline@0.0.5; it was added in 0.0.6";
    malformed_reference:
        "load(\"lib\", \"f\")\n"
        => "invalid module reference \"lib\"";
    catalog_path_with_star_suffix:
        format!("load(\"{CATALOG}/stable/kaniko.star@0.0.7\", \"kaniko\")\n")
        => "a module path has no \".star\" suffix: write stable/kaniko";
    commit_whose_module_differs_from_every_tag:
        format!("load(\"{CATALOG}/stable/go@dc4612e95b62ff8b744bda2e4d3c75cf2edeb694\", \"go\")\n")
        => "no module loader; the embedded catalog has versions";
}

#[test]
fn a_commit_whose_module_equals_a_tag_gets_the_tag() {
    // stable/docker at this commit of the catalog repository is the file of tag 0.0.5 (two real
    // Dispatchfiles pin it).
    let call = "dind_task(\"d\", steps = [k8s.corev1.Container(name = \"s\")])\n";
    let pinned = star(&format!(
        "{MODERN}load(\"{CATALOG}/stable/docker@dc4612e95b62ff8b744bda2e4d3c75cf2edeb694\", \"dind_task\")\n{call}"
    ));
    let tagged = star(&format!(
        "{MODERN}load(\"{CATALOG}/stable/docker@0.0.5\", \"dind_task\")\n{call}"
    ));
    assert_eq!(first_error(&pinned), "", "the pinned load resolves");
    assert_eq!(
        raw(&pinned),
        raw(&tagged),
        "the pinned module is the 0.0.5 one"
    );
}

#[test]
fn loader_modules_share_the_builtins_and_the_main_pipeline() {
    let loader = MemLoader::default()
        .with("github.com/acme/lib/steps@v1", "def step(n):\n    return k8s.corev1.Container(name = n, image = \"alpine\")\nresource(\"from-module\", type = \"git\")\n");
    let src = format!(
        "{MODERN}load(\"github.com/acme/lib/steps@v1\", \"step\")\ntask(\"t\", inputs = [\"from-module\"], steps = [step(\"s\")])\n"
    );
    let e = star_with(&src, Some(&loader), &Limits::default());
    assert_eq!(first_error(&e), "");
    assert_eq!(
        raw(&e),
        r#"{"resource":{"from-module":{"type":"git"}},"task":{"t":{"inputs":["from-module"],"steps":[{"image":"alpine","name":"s"}]}}}"#
    );
    let names: Vec<&str> = e.parsed.files.iter().map(|(_, f)| f.name()).collect();
    assert_eq!(
        names,
        ["Dispatchfile", "vendor/github.com/acme/lib/steps@v1.star"]
    );
}

#[test]
fn local_paths_inside_remote_modules_stay_in_their_repository() {
    let loader = MemLoader::default()
        .with(
            "github.com/acme/lib/a@v2",
            "load(\"/b\", \"name\")\ndef f():\n    return name\n",
        )
        .with("github.com/acme/lib/b@v2", "name = \"from-b\"\n");
    let src = format!(
        "{MODERN}load(\"github.com/acme/lib/a@v2\", \"f\")\nresource(f(), type = \"git\")\n"
    );
    let e = star_with(&src, Some(&loader), &Limits::default());
    assert_eq!(raw(&e), r#"{"resource":{"from-b":{"type":"git"}}}"#);
}

#[test]
fn each_module_is_evaluated_once() {
    let loader = MemLoader::default()
        .with(
            "github.com/acme/lib/a@v1",
            "load(\"github.com/acme/lib/c@v1\", \"x\")\na = x\n",
        )
        .with(
            "github.com/acme/lib/b@v1",
            "load(\"github.com/acme/lib/c@v1\", \"x\")\nb = x\n",
        )
        .with(
            "github.com/acme/lib/c@v1",
            "resource(\"once\", type = \"git\")\nx = 1\n",
        );
    let src = format!(
        "{MODERN}load(\"github.com/acme/lib/a@v1\", \"a\")\nload(\"github.com/acme/lib/b@v1\", \"b\")\n"
    );
    let e = star_with(&src, Some(&loader), &Limits::default());
    assert!(
        !e.diagnostics().iter().any(|d| d.code == "redefined"),
        "{:?}",
        e.diagnostics()
    );
    assert_eq!(raw(&e), r#"{"resource":{"once":{"type":"git"}}}"#);
}

#[test]
fn load_cycles_are_errors() {
    let loader = MemLoader::default()
        .with(
            "github.com/acme/lib/a@v1",
            "load(\"github.com/acme/lib/b@v1\", \"b\")\na = 1\n",
        )
        .with(
            "github.com/acme/lib/b@v1",
            "load(\"github.com/acme/lib/a@v1\", \"a\")\nb = 1\n",
        );
    let e = star_with(
        &format!("{MODERN}load(\"github.com/acme/lib/a@v1\", \"a\")\n"),
        Some(&loader),
        &Limits::default(),
    );
    let err = first_error(&e);
    assert!(
        err.contains("load cycle: \"github.com/acme/lib/a@v1\" loads itself"),
        "{err}"
    );
    assert!(
        err.starts_with("vendor/github.com/acme/lib/b@v1.star:1:6"),
        "the cycle is reported in the module that closes it: {err}"
    );
}

#[test]
fn missing_symbols_name_module_and_symbol() {
    let loader = MemLoader::default().with("github.com/acme/lib/a@v1", "x = 1\n");
    let e = star_with(
        &format!("{MODERN}load(\"github.com/acme/lib/a@v1\", \"y\")\n"),
        Some(&loader),
        &Limits::default(),
    );
    assert_eq!(
        first_error(&e),
        "Dispatchfile:2:6: error[load]: \"y\" is not exported by github.com/acme/lib/a@v1"
    );
}

#[test]
fn errors_inside_modules_point_into_the_module() {
    let loader = MemLoader::default().with("github.com/acme/lib/a@v1", "x = 1\ny = x + \"s\"\n");
    let e = star_with(
        &format!("{MODERN}load(\"github.com/acme/lib/a@v1\", \"y\")\n"),
        Some(&loader),
        &Limits::default(),
    );
    let err = first_error(&e);
    assert!(
        err.starts_with("vendor/github.com/acme/lib/a@v1.star:2:5: error[starlark]"),
        "{err}"
    );
}

#[test]
fn the_module_limit_counts_distinct_modules() {
    let mut loader = MemLoader::default();
    let mut src = MODERN.to_owned();
    for i in 0..5 {
        loader = loader.with(&format!("github.com/acme/lib/m{i}@v1"), "x = 1\n");
        let _ = writeln!(src, "load(\"github.com/acme/lib/m{i}@v1\", x{i} = \"x\")");
    }
    let mut limits = Limits::default();
    limits.max_modules = 4;
    let e = star_with(&src, Some(&loader), &limits);
    assert_eq!(
        first_error(&e),
        "Dispatchfile:6:6: error[limit-exceeded]: limit exceeded: max_modules (4)"
    );
    limits.max_modules = 5;
    assert_eq!(first_error(&star_with(&src, Some(&loader), &limits)), "");
}

#[test]
fn loaded_modules_obey_the_source_size_limit() {
    let loader = MemLoader::default().with(
        "github.com/acme/lib/big@v1",
        &format!("x = \"{}\"\n", "a".repeat(2_000)),
    );
    let mut limits = Limits::default();
    limits.max_source_bytes = 1_000;
    let e = star_with(
        &format!("{MODERN}load(\"github.com/acme/lib/big@v1\", \"x\")\n"),
        Some(&loader),
        &limits,
    );
    assert!(
        first_error(&e).contains("limit exceeded: max_source_bytes (1000)"),
        "{}",
        first_error(&e)
    );
}

#[test]
fn catalog_errors_are_reported_at_the_users_call() {
    let src = format!(
        "{MODERN}load(\"{CATALOG}/stable/docker@0.0.9\", \"dind_task\")\ndind_task(\"d\", steps = [\"not a container\"])\n"
    );
    let e = star(&src);
    let d = e
        .diagnostics()
        .into_iter()
        .find(Diagnostic::is_error)
        .expect("an error");
    let pos = e
        .parsed
        .files
        .position(d.span.expect("positioned"))
        .expect("resolvable");
    assert_eq!(
        (pos.line, pos.column),
        (3, 1),
        "{}",
        d.render(&e.parsed.files, "Dispatchfile")
    );
    assert_eq!(d.related.len(), 1, "the catalog position is a note");
}

#[test]
fn catalog_calls_are_attributed_to_the_users_call() {
    let src = format!(
        "{MODERN}load(\"{CATALOG}/stable/kaniko@0.0.9\", \"kaniko\")\n\nkaniko(\"build\", \"nope\", \"org/app\")\n"
    );
    let e = star(&src);
    assert_eq!(
        first_error(&e),
        "Dispatchfile:4:1: error[undefined-input]: task \"build\": input \"nope\" is neither a resource nor a task"
    );
}

#[test]
fn inlined_catalog_calls_are_attributed_to_the_users_call() {
    // gitResource's body is `return resource(…)`, which starlark inlines into the caller: the
    // resource still belongs to the user's line, in both generations.
    for (src, at) in [
        (
            format!(
                "{MODERN}load(\"{CATALOG}/stable/pipeline@0.0.4\", \"gitResource\")\n\ngitResource(\"Src_Git\")\n"
            ),
            "Dispatchfile:4:1",
        ),
        (
            "#!starlark\n\ngitResource(\"Src_Git\")\n".to_owned(),
            "Dispatchfile:3:1",
        ),
    ] {
        let e = star(&src);
        let warning = e
            .diagnostics()
            .iter()
            .find(|d| d.code == "invalid-name")
            .map(|d| d.render(&e.parsed.files, "Dispatchfile"))
            .unwrap_or_default();
        assert!(
            warning.starts_with(&format!(
                "{at}: warning[invalid-name]: resource \"Src_Git\""
            )),
            "{src}: {warning}"
        );
    }
}
