//! Snapshots of rendered Starlark diagnostics with the source line and a caret.

use dispatchfile_model::Limits;

use super::{MODERN, star_with};

fn snapshot_text(src: &str) -> String {
    let mut limits = Limits::default();
    limits.starlark_max_statements = 10_000;
    let e = star_with(src, None, &limits);
    e.diagnostics()
        .iter()
        .map(|d| d.render_with_snippet(&e.parsed.files, "Dispatchfile") + "\n")
        .collect()
}

macro_rules! snapshots {
    ($($name:ident: $src:expr;)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(snapshot_text(&$src));
        }
    )*};
}

snapshots! {
    undefined_input_points_at_the_task_call: format!(
        "{MODERN}resource(\"src\", type = \"git\")\n\ntask(\"build\",\n    inputs = [\"srx\"],\n    steps = [k8s.corev1.Container(name = \"b\", image = \"alpine\")])\naction(tasks = [\"biuld\"], on = p.Condition(push = p.PushCondition()))\n"
    );
    unknown_container_field: format!("{MODERN}task(\"t\", steps = [k8s.corev1.Container(name = \"s\", workingdir = \"/src\")])\n");
    moved_catalog_symbol: format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline@master\", \"git_resource\", \"push\")\n"
    );
    error_inside_a_catalog_function: format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/docker@0.0.9\", \"dind_task\")\ndind_task(\"d\", steps = [\"oops\"])\n"
    );
    redefined_resource: format!("{MODERN}resource(\"r\", type = \"git\")\nresource(\"r\", type = \"image\")\n");
    statement_budget: format!("{MODERN}def spin():\n    for i in range(100000):\n        pass\nspin()\n");
    syntax_error: format!("{MODERN}task(\"t\", steps = [\n");
    runtime_error_shows_the_call_stack: format!(
        "{MODERN}def inner(d):\n    return d[\"missing\"]\n\ndef outer():\n    return inner({{}})\n\nouter()\n"
    );
    tab_indentation_keeps_positions: format!(
        "{MODERN}def steps():\n\treturn [k8s.corev1.Container(name = \"s\",\n\t\tworkingdir = \"/x\")]\ntask(\"t\", steps = steps())\n"
    );
    undefined_variable: format!("{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline@0.0.9\", \"push\")\naction(tasks = [\"t\"], on = pull_request())\n");
}
