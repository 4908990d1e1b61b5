//! Golden tests of the embedded catalog: for every module and tag, one Dispatchfile loads every
//! exported function (the export lists below are written out independently of the crate's), calls each of them and the
//! evaluated document is snapshotted (`catalog__<module>@<tag>`).

use super::{MODERN, first_error, pretty, star};

const TAGS: [&str; 10] = [
    "0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5", "0.0.6", "0.0.7", "0.0.8", "0.0.9", "master",
];

/// The documented export table: what `module` exports at tag index `t` (empty: no module).
fn spec_exports(module: &str, t: usize) -> Vec<&'static str> {
    let master = t == 9;
    match module {
        "stable/pipeline" => {
            let mut v = vec![
                "push",
                "tag",
                "pullRequest",
                "gitResource",
                "imageResource",
                "storageResource",
                "volume",
                "resourceVar",
                "secretVar",
                "clean",
            ];
            if t >= 4 {
                v.extend([
                    "pull_request",
                    "git_resource",
                    "image_resource",
                    "storage_resource",
                    "git_revision",
                    "git_checkout_dir",
                    "image_reference",
                    "storage_dir",
                    "task_step_result",
                ]);
            }
            if t >= 5 {
                v.push("cron");
            }
            if t >= 6 {
                v.retain(|s| {
                    ![
                        "git_resource",
                        "gitResource",
                        "git_revision",
                        "git_checkout_dir",
                    ]
                    .contains(s)
                });
            }
            v
        }
        "stable/git" if t >= 6 => vec![
            "git_resource",
            "gitResource",
            "git_revision",
            "git_checkout_dir",
            "generate_version",
        ],
        "stable/k8s" if t >= 4 => vec![
            "secret_var",
            "host_path_volume",
            "secret_volume",
            "sanitize",
        ],
        "stable/path" if t >= 4 => match t {
            4 | 5 => vec!["basename"],
            6..=8 => vec!["basename", "join"],
            _ => vec!["basename", "join", "dirname", "splitext"],
        },
        "stable/docker" if t <= 3 => vec!["dindTask"],
        "stable/docker" => vec!["dindTask", "dind_task"],
        "stable/kaniko" => vec!["kaniko"],
        "stable/go" | "experimental/go" if master => vec!["go_test", "go", "ko", "ko_resolve"],
        "stable/go" => vec!["go_test", "go", "ko"],
        "experimental/go" if t >= 3 => vec!["go_test", "go", "ko"],
        "experimental/buildkit" if t <= 3 => vec!["buildkitContainer", "buildkit"],
        "experimental/buildkit" if master => {
            vec!["buildkit_container", "buildkit", "buildkit_volumes"]
        }
        "experimental/buildkit" => vec!["buildkit_container", "buildkit"],
        _ => Vec::new(),
    }
}

/// The statement exercising `symbol`; old (git-first) signatures where the tag has them. The
/// statement may append to `_args` (strings), `_env`, `_vols` and `_steps`.
fn snippet(module: &str, t: usize, symbol: &str) -> String {
    let old = t <= 3;
    let s = match symbol {
        "push" => {
            "action(tasks = [\"t\"], on = push(branches = [\"master\"], paths = [\"src/**\"]))"
        }
        "tag" => "action(tasks = [\"t\"], on = tag(names = [\"v*\"]))",
        "pullRequest" => "action(tasks = [\"t\"], on = pullRequest(chatops = [\"test\"]))",
        "pull_request" => {
            "action(tasks = [\"t\"], on = pull_request(targets = [\"main\"], labels = [\"ok\"]))"
        }
        "cron" => {
            "action(name = \"nightly\", tasks = [\"t\"], on = cron(schedule = \"@daily\", revision = \"dev\"))"
        }
        "gitResource" => "_args.append(gitResource(\"git-camel\"))",
        "git_resource" => {
            "_args.append(git_resource(\"git-snake\", url = \"https://example.com/r.git\", revision = \"dev\"))"
        }
        "imageResource" => {
            "_args.append(str(imageResource(\"image-camel\", url = \"org/app\", digest = \"sha256:1\")))"
        }
        "image_resource" => "_args.append(image_resource(\"image-snake\", \"org/app\"))",
        "storageResource" => "_args.append(storageResource(\"storage-camel\"))",
        "storage_resource" => "_args.append(storage_resource(\"storage-snake\"))",
        "volume" => "_vols.append(volume(\"cache\", emptyDir = k8s.corev1.EmptyDirVolumeSource()))",
        "resourceVar" => "_args.append(resourceVar(\"git\", \"url\"))",
        "secretVar" => {
            "_env.append(k8s.corev1.EnvVar(name = \"A\", valueFrom = secretVar(\"tok\", \"pw\")))"
        }
        "secret_var" => {
            "_env.append(k8s.corev1.EnvVar(name = \"B\", valueFrom = secret_var(\"tok\", \"user\")))"
        }
        "clean" => "_args.append(clean(\" My/Image:v1.2_x \"))",
        "sanitize" => "_args.append(sanitize(\" My/Image:v1.2_x \"))",
        "git_revision" => "_args.append(git_revision(\"git\"))",
        "git_checkout_dir" => "_args.append(git_checkout_dir(\"git\"))",
        "image_reference" => "_args.append(image_reference(\"img\"))",
        "storage_dir" => "_args.append(storage_dir(\"st\"))",
        "task_step_result" => "_args.append(task_step_result(\"build\", \"version\"))",
        "generate_version" => "_args.append(generate_version(\"git\", \"version\"))",
        "host_path_volume" => {
            "_vols.append(k8s.corev1.Volume(name = \"hp\", volumeSource = host_path_volume(\"/var/run\", \"Directory\")))"
        }
        "secret_volume" => {
            "_vols.append(k8s.corev1.Volume(name = \"sv\", volumeSource = secret_volume(\"creds\")))"
        }
        "basename" => "_args.extend([basename(\"a/b/c.txt\"), basename(\"a/b/\")])",
        "dirname" => "_args.extend([dirname(\"a/b//c\"), dirname(\"/a\"), dirname(\"c\")])",
        "join" => {
            "_args.extend([join(\"a\", \"b/\", \"c\"), join(\"a\", \"/abs\", \"x\"), join(\"\", \"y\")])"
        }
        "splitext" => {
            "_args.extend(list(splitext(\"dir.d/file.tar.gz\")) + list(splitext(\".bashrc\")))"
        }
        "dindTask" => {
            "dindTask(\"dind-camel\", steps = [k8s.corev1.Container(name = \"d\", command = [\"docker\", \"ps\"])])"
        }
        "dind_task" => {
            "dind_task(\"dind-snake\", inputs = [\"git\"], steps = [k8s.corev1.Container(name = \"d\")])"
        }
        "kaniko" if old => {
            "_args.append(kaniko(\"git\", \"org/app\", context = \"sub\", buildArgs = {\"V\": \"1\"}))"
        }
        "kaniko" => {
            "_args.append(kaniko(\"build\", \"git\", \"org/app\", dockerfile = \"Dockerfile.x\", build_args = {\"V\": \"1\"}))"
        }
        "go_test" if old || (module == "experimental/go" && t == 3) => {
            "_args.append(go_test(\"git\", \"app\", paths = [\"./pkg/...\"]))"
        }
        "go_test" => "_args.append(go_test(\"test\", \"git\", paths = [\"./pkg/...\"]))",
        "go" if old || (module == "experimental/go" && t == 3) => {
            "_args.append(go(\"git\", \"app\", ldflags = \"-s\", os = [\"linux\", \"darwin\"]))"
        }
        "go" => {
            "_args.append(go(\"build\", \"git\", ldflags = \"-s\", arch = [\"amd64\", \"arm64\"]))"
        }
        // 0.0.1: ko(git, name, ko_docker_repo, …, tags=None); ko itself pushes.
        "ko" if t == 0 => {
            "_args.append(ko(\"git\", \"app\", \"docker.io/org\", ldflags = \"-w\", tags = \"v1\"))"
        }
        "ko" if old || (module == "experimental/go" && t == 3) => {
            "_args.append(ko(\"git\", \"org/app\", \"app\", ldflags = \"-w\"))"
        }
        "ko" => "_args.append(ko(\"ko\", \"git\", \"org/app\", \"./cmd/app\", ldflags = \"-w\"))",
        "ko_resolve" => {
            "_args.append(ko_resolve(\"resolve\", \"git\", \"docker.io/org\", \"config/\"))"
        }
        "buildkitContainer" => {
            "_steps.append(buildkitContainer(\"bk\", \"golang\", \"/workspace/git\", [\"go\", \"test\"], env = [k8s.corev1.EnvVar(name = \"E\", value = \"1\")]))"
        }
        "buildkit_container" => {
            "_steps.append(buildkit_container(\"bk\", \"golang\", \"/workspace/git\", \"go test\", env = [k8s.corev1.EnvVar(name = \"E\", value = \"1\")], output_paths = [\"/out\"]))"
        }
        "buildkit_volumes" => "_vols.extend(buildkit_volumes())",
        "buildkit" if old => {
            "_args.append(buildkit(\"git\", \"org/app\", buildArgs = {\"V\": \"1\"}))"
        }
        "buildkit" => {
            "_args.append(buildkit(\"bk-build\", \"git\", \"org/app\", build_args = {\"V\": \"1\"}, build_env = {\"E\": \"2\"}))"
        }
        other => panic!("no snippet for {other}"),
    };
    s.to_owned()
}

/// A Dispatchfile that loads and calls every export of `module` at tag index `t`.
fn exercise(module: &str, t: usize) -> String {
    let symbols = spec_exports(module, t);
    let quoted: Vec<String> = symbols.iter().map(|s| format!("\"{s}\"")).collect();
    let mut src = format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/{module}@{}\", {})\n_args = []\n_env = []\n_vols = []\n_steps = []\n",
        TAGS[t],
        quoted.join(", ")
    );
    for s in &symbols {
        src.push_str(&snippet(module, t, s));
        src.push('\n');
    }
    src.push_str("task(\"collect\", steps = [k8s.corev1.Container(name = \"c\", args = _args, env = _env)] + _steps, volumes = _vols)\n");
    src
}

macro_rules! golden {
    ($($name:ident: $module:literal;)*) => {$(
        #[test]
        fn $name() {
            for t in 0..TAGS.len() {
                if spec_exports($module, t).is_empty() {
                    continue;
                }
                let e = star(&exercise($module, t));
                let errors: Vec<String> = e.parsed.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.render(&e.parsed.files, "Dispatchfile")).collect();
                assert!(errors.is_empty(), "{}@{}: {errors:?}", $module, TAGS[t]);
                let name = format!("catalog__{}@{}", $module.replace('/', "_"), TAGS[t]);
                insta::assert_snapshot!(name, pretty(&e));
            }
        }
    )*};
}

golden! {
    stable_pipeline: "stable/pipeline";
    stable_git: "stable/git";
    stable_k8s: "stable/k8s";
    stable_path: "stable/path";
    stable_docker: "stable/docker";
    stable_kaniko: "stable/kaniko";
    stable_go: "stable/go";
    experimental_buildkit: "experimental/buildkit";
    experimental_go: "experimental/go";
}

#[test]
fn exports_outside_the_spec_table_are_load_errors() {
    let modules = [
        "stable/pipeline",
        "stable/git",
        "stable/k8s",
        "stable/path",
        "stable/docker",
        "stable/kaniko",
        "stable/go",
        "experimental/buildkit",
        "experimental/go",
    ];
    let mut problems = Vec::new();
    for m in modules {
        // Every name the module exports at some tag, plus one it never exports.
        let mut every: Vec<&str> = (0..TAGS.len()).flat_map(|t| spec_exports(m, t)).collect();
        every.push("git_resource");
        every.sort_unstable();
        every.dedup();
        for (t, tag) in TAGS.iter().enumerate() {
            if spec_exports(m, t).is_empty() {
                continue;
            }
            for s in every.iter().filter(|s| !spec_exports(m, t).contains(s)) {
                let src = format!(
                    "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/{m}@{tag}\", \"{s}\")\n"
                );
                let err = first_error(&star(&src));
                if !err.contains("error[load]")
                    || !err.contains(&format!("\"{s}\" is not exported by {m}@{tag}"))
                {
                    problems.push(format!("{m}@{tag} {s}: {err}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn unversioned_loads_get_tag_009() {
    let a = star(&format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline\", \"storage_resource\")\nstorage_resource(\"s\")\n"
    ));
    let b = star(&format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline@0.0.9\", \"storage_resource\")\nstorage_resource(\"s\")\n"
    ));
    assert_eq!(pretty(&a), pretty(&b));
}

#[test]
fn master_conditions_use_the_grouped_layout() {
    let e = star(&format!(
        "{MODERN}load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline@master\", \"push\", \"cron\")\n\
         action(tasks = [\"t\"], on = push(branches = [\"main\"]))\naction(name = \"n\", tasks = [\"t\"], on = cron(schedule = \"@daily\"))\n"
    ));
    assert_eq!(
        super::raw(&e),
        r#"{"actions":[{"on":{"git":{"push":{"branches":["main"]}}},"tasks":["t"]},{"name":"n","on":{"cron":{"git":{},"schedule":"@daily"}},"tasks":["t"]}]}"#
    );
}
