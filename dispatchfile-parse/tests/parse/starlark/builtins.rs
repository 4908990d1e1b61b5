//! Tables for the predeclared names: `task`, `resource`, `action`, `p.*`, `k8s.*`, `v1`,
//! `k8s.resource_quantity`, the protobuf → Kubernetes JSON conversion and the legacy sugar.

use super::{MODERN, first_error, pretty, raw, star};

/// Each row evaluates `MODERN + src` and compares the raw document (sorted compact JSON).
macro_rules! doc_cases {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = star(&format!("{MODERN}{}", $src));
            assert_eq!(raw(&e), $want, "document of {:?}", $src);
        }
    )*};
}

/// Each row evaluates `MODERN + src` and expects an error whose rendering contains `want`.
macro_rules! error_cases {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = star(&format!("{MODERN}{}", $src));
            let got = first_error(&e);
            assert!(got.contains($want), "error of {:?}: {got:?} should contain {:?}", $src, $want);
        }
    )*};
}

const STEP: &str = "k8s.corev1.Container(name = \"s\", image = \"alpine\")";

doc_cases! {
    // go.starlark.net, which Dispatch ran, accepts tabs wherever it accepts spaces.
    tabs_inside_brackets_and_as_indentation:
        "def steps():\n\treturn [k8s.corev1.Container(name = \"s\",\n\t\timage = \"a\")]\n\ntask(\"t\",\tsteps = steps(),\n\t\t)\n"
        => r#"{"task":{"t":{"steps":[{"image":"a","name":"s"}]}}}"#;
    tabs_inside_strings_are_content:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", image = \"a\", args = [\"x\\ty\", \"p\tq\"])])\n"
        => "{\"task\":{\"t\":{\"steps\":[{\"args\":[\"x\\ty\",\"p\\tq\"],\"image\":\"a\",\"name\":\"s\"}]}}}";
    keyword_glued_to_a_method_call:
        "def image(n):\n    return\"org/{}\".format(n)\n\ntask(\"t\", steps = [k8s.corev1.Container(name = \"s\", image = image(\"a\"))])\n"
        => r#"{"task":{"t":{"steps":[{"image":"org/a","name":"s"}]}}}"#;
    task_returns_its_name:
        format!("t = task(\"build\", steps = [{STEP}])\ntask(t + \"-2\", steps = [{STEP}])\n")
        => r#"{"task":{"build":{"steps":[{"image":"alpine","name":"s"}]},"build-2":{"steps":[{"image":"alpine","name":"s"}]}}}"#;
    task_keeps_every_field:
        format!("task(\"t\", inputs = [\"a\"], outputs = [\"b\"], deps = [\"c\"], timeout = \"90s\", steps = [{STEP}], volumes = [k8s.corev1.Volume(name = \"v\")])\n")
        => r#"{"task":{"t":{"deps":["c"],"inputs":["a"],"outputs":["b"],"steps":[{"image":"alpine","name":"s"}],"timeout":"90s","volumes":[{"name":"v"}]}}}"#;
    task_metadata_from_object_meta:
        format!("task(\"t\", steps = [{STEP}], metadata = k8s.metav1.ObjectMeta(labels = {{\"a\": \"b\"}}))\n")
        => r#"{"task":{"t":{"metadata":{"labels":{"a":"b"}},"steps":[{"image":"alpine","name":"s"}]}}}"#;
    task_metadata_from_dict:
        format!("task(\"t\", steps = [{STEP}], metadata = {{\"annotations\": {{\"x\": \"y\"}}}})\n")
        => r#"{"task":{"t":{"metadata":{"annotations":{"x":"y"}},"steps":[{"image":"alpine","name":"s"}]}}}"#;
    resource_uses_data_format_keys:
        "resource(\"r\", type = \"storage\", params = {\"type\": \"gcs\"}, secrets = {\"BOTO_CONFIG\": k8s.corev1.SecretKeySelector(name = \"s3\", key = \"boto\")})\n"
        => r#"{"resource":{"r":{"param":{"type":"gcs"},"secret":{"BOTO_CONFIG":{"key":"boto","name":"s3"}},"type":"storage"}}}"#;
    resource_returns_its_name:
        "x = resource(\"img\", type = \"image\", params = {\"url\": \"u\"})\nresource(x + \"2\", type = \"git\")\n"
        => r#"{"resource":{"img":{"param":{"url":"u"},"type":"image"},"img2":{"type":"git"}}}"#;
    action_returns_the_action:
        "a = action(tasks = [\"t\"], on = p.Condition(tag = p.TagCondition(names = [\"v*\"])))\naction(tasks = a.tasks + [\"u\"], on = a.on)\n"
        => r#"{"actions":[{"on":{"tag":{"names":["v*"]}},"tasks":["t"]},{"on":{"tag":{"names":["v*"]}},"tasks":["t","u"]}]}"#;
    action_with_name_and_cron:
        "action(name = \"nightly\", tasks = [\"t\"], on = p.Condition(cron = p.CronCondition(schedule = \"@daily\", revision = \"dev\")))\n"
        => r#"{"actions":[{"name":"nightly","on":{"cron":{"revision":"dev","schedule":"@daily"}},"tasks":["t"]}]}"#;
    grouped_conditions:
        "action(tasks = [\"t\"], on = p.Condition(git = p.GitCondition(pull_request = p.GitPullRequestCondition(chatops = [\"test\"]))))\naction(tasks = [\"t\"], on = p.Condition(image = p.ImageCondition(push = p.ImagePushCondition(tags = [\"1.*\"]))))\naction(tasks = [\"t\"], on = p.Condition(cron = p.CronCondition(schedule = \"@daily\", git = p.GitCronConfig())))\n"
        => r#"{"actions":[{"on":{"git":{"pull_request":{"chatops":["test"]}}},"tasks":["t"]},{"on":{"image":{"push":{"tags":["1.*"]}}},"tasks":["t"]},{"on":{"cron":{"git":{},"schedule":"@daily"}},"tasks":["t"]}]}"#;
    empty_condition_body_is_kept:
        "action(tasks = [\"t\"], on = p.Condition(release = p.ReleaseCondition()))\n"
        => r#"{"actions":[{"on":{"release":{}},"tasks":["t"]}]}"#;
    volume_source_is_lifted:
        format!("task(\"t\", steps = [{STEP}], volumes = [k8s.corev1.Volume(name = \"d\", volumeSource = k8s.corev1.VolumeSource(emptyDir = k8s.corev1.EmptyDirVolumeSource()))])\n")
        => r#"{"task":{"t":{"steps":[{"image":"alpine","name":"s"}],"volumes":[{"emptyDir":{},"name":"d"}]}}}"#;
    local_object_reference_is_lifted:
        "resource(\"r\", type = \"storage\", secrets = {\"B\": k8s.corev1.SecretKeySelector(key = \"boto\", localObjectReference = k8s.corev1.LocalObjectReference(name = \"s3-config\"))})\n"
        => r#"{"resource":{"r":{"secret":{"B":{"key":"boto","name":"s3-config"}},"type":"storage"}}}"#;
    probe_handler_is_lifted:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", livenessProbe = k8s.corev1.Probe(handler = k8s.corev1.Handler(exec = k8s.corev1.ExecAction(command = [\"true\"])), periodSeconds = 5))])\n"
        => r#"{"task":{"t":{"steps":[{"livenessProbe":{"exec":{"command":["true"]},"periodSeconds":5},"name":"s"}]}}}"#;
    env_from_secret_ref:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", env = [k8s.corev1.EnvVar(name = \"T\", valueFrom = k8s.corev1.EnvVarSource(secretKeyRef = k8s.corev1.SecretKeySelector(localObjectReference = k8s.corev1.LocalObjectReference(name = \"tok\"), key = \"password\")))])])\n"
        => r#"{"task":{"t":{"steps":[{"env":[{"name":"T","valueFrom":{"secretKeyRef":{"key":"password","name":"tok"}}}],"name":"s"}]}}}"#;
    quantities_keep_their_text:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", resources = k8s.corev1.ResourceRequirements(limits = {\"cpu\": k8s.resource_quantity(\"1000m\"), \"memory\": k8s.resource_quantity(\"7.5Gi\")}, requests = {\"cpu\": \"500m\", \"memory\": 1024}))])\n"
        => r#"{"task":{"t":{"steps":[{"name":"s","resources":{"limits":{"cpu":"1000m","memory":"7.5Gi"},"requests":{"cpu":"500m","memory":1024}}}]}}}"#;
    int_or_string_ports:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", readinessProbe = k8s.corev1.Probe(httpGet = k8s.corev1.HTTPGetAction(port = \"http\", path = \"/\")), ports = [k8s.corev1.ContainerPort(containerPort = 8080)])])\n"
        => r#"{"task":{"t":{"steps":[{"name":"s","ports":[{"containerPort":8080}],"readinessProbe":{"httpGet":{"path":"/","port":"http"}}}]}}}"#;
    v1_is_corev1:
        "task(\"t\", steps = [v1.Container(name = \"s\", env = [v1.EnvVar(name = \"A\", value = \"1\")])])\n"
        => r#"{"task":{"t":{"steps":[{"env":[{"name":"A","value":"1"}],"name":"s"}]}}}"#;
    unset_lists_are_stored_on_read:
        "c = k8s.corev1.Container(name = \"s\")\nc.env.append(k8s.corev1.EnvVar(name = \"A\", value = \"1\"))\nc.args += [\"x\"]\ntask(\"t\", steps = [c])\n"
        => r#"{"task":{"t":{"steps":[{"args":["x"],"env":[{"name":"A","value":"1"}],"name":"s"}]}}}"#;
    attributes_can_be_set:
        "c = k8s.corev1.Container(name = \"s\")\nc.image = \"alpine\"\nc.securityContext = k8s.corev1.SecurityContext(privileged = True)\ntask(\"t\", steps = [c])\n"
        => r#"{"task":{"t":{"steps":[{"image":"alpine","name":"s","securityContext":{"privileged":true}}]}}}"#;
    task_snapshots_its_steps_at_the_call:
        "c = k8s.corev1.Container(name = \"s\")\ntask(\"t\", steps = [c])\nc.image = \"later\"\n"
        => r#"{"task":{"t":{"steps":[{"name":"s"}]}}}"#;
    redefined_task_replaces_the_first:
        format!("task(\"t\", steps = [{STEP}])\ntask(\"t\", steps = [k8s.corev1.Container(name = \"other\")])\n")
        => r#"{"task":{"t":{"steps":[{"name":"other"}]}}}"#;
    pipeline_argument_keeps_the_main_pipeline_clean:
        format!("pp = p.Pipeline()\ntask(\"t\", steps = [{STEP}], pipeline = pp)\nresource(\"r\", type = \"git\", pipeline = pp)\naction(tasks = [\"t\"], on = p.Condition(push = p.PushCondition()), pipeline = pp)\nif len(pp.tasks) != 1 or len(pp.actions) != 1 or pp.resources[\"r\"].type != \"git\":\n    fail(\"pipeline not filled\")\n")
        => "{}";
    unset_scalars_read_as_zero_values:
        "c = k8s.corev1.Container()\nif c.image != \"\" or c.stdin != False or c.readinessProbe != None:\n    fail(\"zero values\")\nm = k8s.corev1.SecretVolumeSource()\nif m.defaultMode != 0:\n    fail(\"zero int\")\n"
        => "{}";
    messages_compare_by_value:
        "a = k8s.corev1.EnvVar(name = \"A\", value = \"1\")\nb = k8s.corev1.EnvVar(value = \"1\", name = \"A\")\nif a != b or a == k8s.corev1.EnvVar(name = \"A\"):\n    fail(\"equality\")\nif k8s.corev1.Container(name = \"x\", image = \"\") != k8s.corev1.Container(name = \"x\"):\n    fail(\"zero equals unset\")\n"
        => "{}";
    messages_print_as_constructors:
        "r = repr(k8s.corev1.EnvVar(name = \"A\"))\nif r != 'k8s.corev1.EnvVar(name = \"A\")':\n    fail(r)\nif str(p.Task()) != \"p.Task()\":\n    fail(str(p.Task()))\n"
        => "{}";
    test_functions_run_and_their_changes_are_discarded:
        format!("def test_adds_a_task(ctx):\n    task(\"from-test\", steps = [{STEP}])\n")
        => "{}";
    print_is_silent:
        "print(\"hello\")\n"
        => "{}";
    top_level_loops_and_nested_defs:
        "def mk(n):\n    def step(i):\n        return k8s.corev1.Container(name = \"s%d\" % i)\n    return [step(i) for i in range(n)]\nfor t in [\"a\", \"b\"]:\n    task(t, steps = mk(2))\n"
        => r#"{"task":{"a":{"steps":[{"name":"s0"},{"name":"s1"}]},"b":{"steps":[{"name":"s0"},{"name":"s1"}]}}}"#;
    elems_and_string_methods:
        "task(\"\".join([c for c in \"a-b\".elems() if c != \"-\"]), steps = [k8s.corev1.Container(name = \"S\".lower())])\n"
        => r#"{"task":{"ab":{"steps":[{"name":"s"}]}}}"#;
}

error_cases! {
    unknown_keyword_is_an_error_at_the_call:
        "task(\"t\", steps = [k8s.corev1.Container(name = \"s\", workingdir = \"/x\")])\n"
        => "Dispatchfile:2:20: error[starlark]: k8s.corev1.Container has no field \"workingdir\"";
    wrong_type_is_an_error:
        "k8s.corev1.Container(name = 1)\n"
        => "k8s.corev1.Container: field \"name\" must be a string, got int";
    wrong_message_type_is_an_error:
        "p.Condition(push = p.GitPushCondition())\n"
        => "field \"push\" must be p.PushCondition, got p.GitPushCondition";
    wrong_element_type_is_an_error:
        "p.Task(steps = [k8s.corev1.Volume(name = \"v\")])\n"
        => "field \"steps\" element #0 must be k8s.corev1.Container, got k8s.corev1.Volume";
    messages_are_keyword_only:
        "k8s.corev1.EnvVar(\"A\", \"1\")\n"
        => "k8s.corev1.EnvVar takes keyword arguments only";
    set_attr_checks_types:
        "c = k8s.corev1.Container()\nc.image = 3\n"
        => "k8s.corev1.Container.image: must be a string, got int";
    set_attr_checks_names:
        "c = k8s.corev1.Container()\nc.imag = \"x\"\n"
        => "k8s.corev1.Container has no field \"imag\"";
    task_needs_a_string_name:
        "task(1, steps = [])\n"
        => "task(): the name must be a string, got int";
    task_takes_one_positional_argument:
        "task(\"a\", \"b\")\n"
        => "task() takes one positional argument (the name)";
    pipeline_argument_must_be_a_pipeline:
        "task(\"t\", pipeline = p.Task())\n"
        => "task(): pipeline must be a p.Pipeline, got p.Task";
    invalid_quantity:
        "k8s.resource_quantity(\"lots\")\n"
        => "k8s.resource_quantity: \"lots\" is not a Kubernetes quantity";
    values_that_are_not_data:
        "def f():\n    pass\ntask(\"t\", steps = [k8s.corev1.Container(name = \"s\")], metadata = {\"labels\": {\"a\": f}})\n"
        => "a value of type function cannot be part of a pipeline";
    fail_is_an_error:
        "fail(\"custom\")\n"
        => "Dispatchfile:2:1: error[starlark]: fail: custom";
    failing_test_function:
        "def test_it(ctx):\n    fail(\"broken\")\n"
        => "fail: broken";
    legacy_sugar_is_not_predeclared_in_modern_files:
        "gitResource(\"git\")\n"
        => "Variable `gitResource` not found";
    syntax_errors_are_positioned:
        "task(\"t\",\n"
        => "Dispatchfile:3:1: error[parse]";
    while_is_not_starlark:
        "while True:\n    pass\n"
        => "error[parse]";
}

#[test]
fn legacy_selector_predeclares_the_sugar() {
    let src = "#!starlark\ngitResource(\"git\")\nimageResource(\"img\", url = \"u\", digest = \"d\")\nstorageResource(\"st\")\n\
        dindTask(\"d\", steps = [k8s.corev1.Container(name = \"s\", env = [k8s.corev1.EnvVar(name = \"T\", valueFrom = secretVar(\"tok\", \"pw\"))])], volumes = [volume(\"v\", emptyDir = k8s.corev1.EmptyDirVolumeSource())])\n\
        action(tasks = [\"d\"], on = push(branches = [clean(\"a/b:c.d\")]))\naction(tasks = [\"d\"], on = tag())\naction(tasks = [\"d\"], on = pullRequest(chatops = [resourceVar(\"git\", \"url\")]))\n";
    insta::assert_snapshot!(pretty(&star(src)));
}

#[test]
fn legacy_versions_below_v05_predeclare_the_sugar() {
    let e = star("#!mesosphere/dispatch-starlark:v0.4\ngitResource(\"git\")\n");
    assert_eq!(
        raw(&e),
        r#"{"resource":{"git":{"param":{"revision":"$(context.git.commit)","url":"$(context.git.url)"},"type":"git"}}}"#
    );
}

#[test]
fn user_definitions_shadow_the_legacy_sugar() {
    let e = star(
        "#!starlark\ndef gitResource(name):\n    return resource(name, type = \"custom\")\ngitResource(\"g\")\n",
    );
    assert_eq!(raw(&e), r#"{"resource":{"g":{"type":"custom"}}}"#);
}

#[test]
fn redefinition_warns_at_both_calls() {
    let e = star(&format!(
        "{MODERN}resource(\"r\", type = \"git\")\nresource(\"r\", type = \"image\")\n"
    ));
    let d = e
        .diagnostics()
        .into_iter()
        .find(|d| d.code == "redefined")
        .expect("a redefined warning");
    assert_eq!(
        d.render(&e.parsed.files, "Dispatchfile"),
        "Dispatchfile:3:1: warning[redefined]: resource \"r\" is defined again; this definition replaces the earlier one"
    );
    assert_eq!(d.related.len(), 1, "the first definition is named");
    assert_eq!(
        e.parsed.files.position(d.related[0].span).map(|p| p.line),
        Some(2)
    );
}

#[test]
fn spans_point_at_the_call_that_made_each_value() {
    let src = format!(
        "{MODERN}s = k8s.corev1.Container(\n    name = \"s\",\n)\ntask(\"t\", inputs = [\"nope\"], steps = [s])\n"
    );
    let e = star(&src);
    let doc = e.parsed.document.as_ref().expect("a document");
    let task = doc
        .root
        .get("task")
        .and_then(|t| t.value.get("t"))
        .expect("task t");
    let pos = |span| e.parsed.files.position(span).map(|p| (p.line, p.column));
    assert_eq!(
        pos(task.key_span),
        Some((5, 1)),
        "the task name points at task()"
    );
    let steps = task.value.get("steps").expect("steps");
    let dispatchfile_model::Value::Array(items) = &steps.value.value else {
        panic!("steps is a list")
    };
    assert_eq!(
        pos(items[0].span),
        Some((2, 5)),
        "the step points at its constructor"
    );
    assert_eq!(
        first_error(&e),
        "Dispatchfile:5:1: error[undefined-input]: task \"t\": input \"nope\" is neither a resource nor a task"
    );
}

/// Collects `print()` output.
#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<String>>);

impl dispatchfile_parse::Printer for Collect {
    fn print(&self, text: &str) {
        self.0.lock().expect("not poisoned").push(text.to_owned());
    }
}

#[test]
fn print_output_reaches_the_embedder() {
    let printer = Collect::default();
    let mut options = dispatchfile_parse::ParseOptions::default();
    options.printer = Some(&printer);
    let src = format!(
        "{MODERN}print(\"hello\", 1)\ndef test_x(ctx):\n    print(\"from a test\")\ntask(\"t\", steps = [{STEP}])\n"
    );
    let e = dispatchfile_parse::evaluate(
        src.as_bytes(),
        "Dispatchfile",
        &options,
        &dispatchfile_model::Limits::default(),
    );
    assert_eq!(first_error(&e), "");
    assert_eq!(
        *printer.0.lock().expect("not poisoned"),
        ["hello 1", "from a test"],
        "every print, in order, test functions included"
    );
}

#[test]
fn print_output_is_dropped_without_a_printer() {
    let e = star(&format!(
        "{MODERN}print(\"hello\")\ntask(\"t\", steps = [{STEP}])\n"
    ));
    assert_eq!(first_error(&e), "");
}

/// `print()` output is bounded by `starlark_max_print_bytes` (each text plus its line end): what
/// fits is handed over, then one notice, then nothing; evaluation goes on.
#[test]
fn print_output_is_bounded() {
    let printer = Collect::default();
    let mut options = dispatchfile_parse::ParseOptions::default();
    options.printer = Some(&printer);
    let mut limits = dispatchfile_model::Limits::default();
    limits.starlark_max_print_bytes = 12;
    let src = format!(
        "{MODERN}for i in range(1000):\n    print(\"abcde\")\ntask(\"t\", steps = [{STEP}])\n"
    );
    let e = dispatchfile_parse::evaluate(src.as_bytes(), "Dispatchfile", &options, &limits);
    assert_eq!(first_error(&e), "", "a full print budget is not an error");
    assert_eq!(
        *printer.0.lock().expect("not poisoned"),
        [
            "abcde",
            "abcde",
            "print() output beyond starlark_max_print_bytes (12) is dropped"
        ],
    );
}
