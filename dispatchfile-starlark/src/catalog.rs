//! The embedded Dispatch catalog: our own Starlark implementation of every module of
//! `github.com/mesosphere/dispatch-catalog/starlark/…` at tags 0.0.1–0.0.9 and the final master.
//!
//! Tags that behave alike share one source file (a *variant*); what a tag exports is listed here,
//! so a symbol outside the tag's export list is a `load` error even when the shared file defines it.

/// The repository prefix of catalog modules.
pub(crate) const PREFIX: &str = "github.com/mesosphere/dispatch-catalog/starlark/";

/// Every embedded tag, oldest first.
pub(crate) const TAGS: [&str; 10] = [
    "0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5", "0.0.6", "0.0.7", "0.0.8", "0.0.9", "master",
];

/// The tag an unversioned catalog load gets.
pub(crate) const DEFAULT_TAG: usize = 8;

const MASTER: usize = 9;

/// One embedded source file.
#[derive(Debug)]
pub(crate) struct Variant {
    /// Identifier used by catalog-internal loads (`load("catalog:pipeline_0_0_7", …)`).
    pub(crate) id: &'static str,
    /// The Starlark source.
    pub(crate) source: &'static str,
    /// Human-readable description for diagnostics.
    pub(crate) display: &'static str,
}

macro_rules! variants {
    ($($id:literal => $display:literal,)*) => {
        /// Every embedded source file.
        pub(crate) const VARIANTS: &[Variant] = &[
            $(Variant { id: $id, source: include_str!(concat!("catalog/", $id, ".star")), display: $display },)*
        ];
    };
}

variants! {
    "pipeline_0_0_1" => "dispatch-catalog/starlark/stable/pipeline.star (0.0.1-0.0.4, embedded)",
    "pipeline_0_0_5" => "dispatch-catalog/starlark/stable/pipeline.star (0.0.5-0.0.6, embedded)",
    "pipeline_0_0_7" => "dispatch-catalog/starlark/stable/pipeline.star (0.0.7-0.0.9, embedded)",
    "pipeline_master" => "dispatch-catalog/starlark/stable/pipeline.star (master, embedded)",
    "git" => "dispatch-catalog/starlark/stable/git.star (embedded)",
    "k8s" => "dispatch-catalog/starlark/stable/k8s.star (embedded)",
    "path" => "dispatch-catalog/starlark/stable/path.star (embedded)",
    "docker_0_0_1" => "dispatch-catalog/starlark/stable/docker.star (0.0.1-0.0.4, embedded)",
    "docker_0_0_5" => "dispatch-catalog/starlark/stable/docker.star (0.0.5-master, embedded)",
    "kaniko_0_0_1" => "dispatch-catalog/starlark/stable/kaniko.star (0.0.1-0.0.2, embedded)",
    "kaniko_0_0_3" => "dispatch-catalog/starlark/stable/kaniko.star (0.0.3-0.0.4, embedded)",
    "kaniko_0_0_5" => "dispatch-catalog/starlark/stable/kaniko.star (0.0.5-0.0.9, embedded)",
    "kaniko_master" => "dispatch-catalog/starlark/stable/kaniko.star (master, embedded)",
    "go_stable_0_0_1" => "dispatch-catalog/starlark/stable/go.star (0.0.1, embedded)",
    "go_stable_0_0_2" => "dispatch-catalog/starlark/stable/go.star (0.0.2, embedded)",
    "go_stable_0_0_3" => "dispatch-catalog/starlark/stable/go.star (0.0.3, embedded)",
    "go_stable_0_0_4" => "dispatch-catalog/starlark/stable/go.star (0.0.4, embedded)",
    "go_stable_0_0_5" => "dispatch-catalog/starlark/stable/go.star (0.0.5-0.0.6, embedded)",
    "go_stable_0_0_7" => "dispatch-catalog/starlark/stable/go.star (0.0.7-0.0.9, embedded)",
    "go_stable_master" => "dispatch-catalog/starlark/stable/go.star (master, embedded)",
    "buildkit_0_0_1" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.1, embedded)",
    "buildkit_0_0_2" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.2, embedded)",
    "buildkit_0_0_3" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.3, embedded)",
    "buildkit_0_0_4" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.4, embedded)",
    "buildkit_0_0_5" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.5-0.0.7, embedded)",
    "buildkit_0_0_8" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.8, embedded)",
    "buildkit_0_0_9" => "dispatch-catalog/starlark/experimental/buildkit.star (0.0.9, embedded)",
    "buildkit_master" => "dispatch-catalog/starlark/experimental/buildkit.star (master, embedded)",
    "go_experimental_0_0_4" => "dispatch-catalog/starlark/experimental/go.star (0.0.4, embedded)",
    "go_experimental_0_0_5" => "dispatch-catalog/starlark/experimental/go.star (0.0.5-0.0.6, embedded)",
    "go_experimental_0_0_7" => "dispatch-catalog/starlark/experimental/go.star (0.0.7-0.0.8, embedded)",
    "go_experimental_0_0_9" => "dispatch-catalog/starlark/experimental/go.star (0.0.9, embedded)",
    "go_experimental_master" => "dispatch-catalog/starlark/experimental/go.star (master, embedded)",
}

/// The variant with identifier `id`.
pub(crate) fn variant(id: &str) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.id == id)
}

/// The index of `tag` in [`TAGS`].
pub(crate) fn tag_index(tag: &str) -> Option<usize> {
    TAGS.iter().position(|t| *t == tag)
}

/// Commits of the catalog repository whose modules equal an embedded tag's (see the file's header).
const PINNED: &str = include_str!("catalog/pinned.txt");

/// The embedded tag whose `module` is identical to the module at `commit` (a full, lower-case
/// SHA of the catalog repository), if any: a load pinned to that commit gets the tag's module.
pub(crate) fn pinned_tag(module: &str, commit: &str) -> Option<usize> {
    if commit.len() != 40
        || !commit
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let m = MODULES.iter().position(|x| *x == module)?;
    let line = PINNED
        .lines()
        .find(|l| l.len() > 41 && l.starts_with(commit) && l.as_bytes()[40] == b' ')?;
    let code = *line.as_bytes().get(41 + m)?;
    char::from(code).to_digit(10).map(|d| d as usize)
}

/// Every catalog module path.
pub(crate) const MODULES: [&str; 9] = [
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

/// The source variant of `module` at tag index `tag`, if the module exists at that tag.
pub(crate) fn variant_for(module: &str, tag: usize) -> Option<&'static Variant> {
    let id = match (module, tag) {
        ("stable/pipeline", 0..=3) => "pipeline_0_0_1",
        ("stable/pipeline", 4..=5) => "pipeline_0_0_5",
        ("stable/pipeline", 6..=8) => "pipeline_0_0_7",
        ("stable/pipeline", MASTER) => "pipeline_master",
        ("stable/git", 6..=MASTER) => "git",
        ("stable/k8s", 4..=MASTER) => "k8s",
        ("stable/path", 4..=MASTER) => "path",
        ("stable/docker", 0..=3) => "docker_0_0_1",
        ("stable/docker", 4..=MASTER) => "docker_0_0_5",
        ("stable/kaniko", 0..=1) => "kaniko_0_0_1",
        ("stable/kaniko", 2..=3) => "kaniko_0_0_3",
        ("stable/kaniko", 4..=8) => "kaniko_0_0_5",
        ("stable/kaniko", MASTER) => "kaniko_master",
        ("stable/go", 0) => "go_stable_0_0_1",
        ("stable/go", 1) => "go_stable_0_0_2",
        ("stable/go", 2) => "go_stable_0_0_3",
        ("stable/go", 3) => "go_stable_0_0_4",
        ("stable/go", 4..=5) => "go_stable_0_0_5",
        ("stable/go", 6..=8) => "go_stable_0_0_7",
        ("stable/go", MASTER) => "go_stable_master",
        ("experimental/buildkit", 0) => "buildkit_0_0_1",
        ("experimental/buildkit", 1) => "buildkit_0_0_2",
        ("experimental/buildkit", 2) => "buildkit_0_0_3",
        ("experimental/buildkit", 3) => "buildkit_0_0_4",
        ("experimental/buildkit", 4..=6) => "buildkit_0_0_5",
        ("experimental/buildkit", 7) => "buildkit_0_0_8",
        ("experimental/buildkit", 8) => "buildkit_0_0_9",
        ("experimental/buildkit", MASTER) => "buildkit_master",
        ("experimental/go", 3) => "go_experimental_0_0_4",
        ("experimental/go", 4..=5) => "go_experimental_0_0_5",
        ("experimental/go", 6..=7) => "go_experimental_0_0_7",
        ("experimental/go", 8) => "go_experimental_0_0_9",
        ("experimental/go", MASTER) => "go_experimental_master",
        _ => return None,
    };
    variant(id)
}

/// What `module` exports at tag index `tag` (the export table of docs/formats.md).
pub(crate) fn exports(module: &str, tag: usize) -> Vec<&'static str> {
    if variant_for(module, tag).is_none() {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = match module {
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
            if tag >= 4 {
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
            if tag >= 5 {
                v.push("cron");
            }
            if tag >= 6 {
                v.retain(|s| {
                    !matches!(
                        *s,
                        "git_resource" | "gitResource" | "git_revision" | "git_checkout_dir"
                    )
                });
            }
            v
        }
        "stable/git" => vec![
            "git_resource",
            "gitResource",
            "git_revision",
            "git_checkout_dir",
            "generate_version",
        ],
        "stable/k8s" => vec![
            "secret_var",
            "host_path_volume",
            "secret_volume",
            "sanitize",
        ],
        "stable/path" => match tag {
            4..=5 => vec!["basename"],
            6..=8 => vec!["basename", "join"],
            _ => vec!["basename", "join", "dirname", "splitext"],
        },
        "stable/docker" if tag <= 3 => vec!["dindTask"],
        "stable/docker" => vec!["dindTask", "dind_task"],
        "stable/kaniko" => vec!["kaniko"],
        "stable/go" | "experimental/go" => vec!["go_test", "go", "ko"],
        "experimental/buildkit" if tag <= 3 => vec!["buildkitContainer", "buildkit"],
        "experimental/buildkit" => vec!["buildkit_container", "buildkit"],
        _ => Vec::new(),
    };
    if tag == MASTER {
        match module {
            "stable/go" | "experimental/go" => out.push("ko_resolve"),
            "experimental/buildkit" => out.push("buildkit_volumes"),
            _ => {}
        }
    }
    out
}

/// The tags at which `module` exists, as a readable range (`0.0.5…master`).
pub(crate) fn tag_range(module: &str) -> Option<String> {
    let tags: Vec<usize> = (0..TAGS.len())
        .filter(|t| variant_for(module, *t).is_some())
        .collect();
    match (tags.first(), tags.last()) {
        (Some(a), Some(b)) if a == b => Some(TAGS[*a].to_owned()),
        (Some(a), Some(b)) => Some(format!("{}…{}", TAGS[*a], TAGS[*b])),
        _ => None,
    }
}

/// The newest catalog module and tag exporting `symbol`, for "did you forget a load" hints.
pub(crate) fn exporter(symbol: &str) -> Option<(&'static str, &'static str)> {
    std::iter::once(DEFAULT_TAG)
        .chain((0..TAGS.len()).rev())
        .find_map(|t| {
            MODULES
                .iter()
                .find(|m| exports(m, t).contains(&symbol))
                .map(|m| (*m, TAGS[t]))
        })
}

/// Why `symbol` is not exported by `module` at `tag`, for the `load` error: names the
/// tag that added it, the module it moved to, or the last tag that exported it.
pub(crate) fn missing_hint(module: &str, tag: usize, symbol: &str) -> String {
    if let Some(later) = (tag + 1..TAGS.len()).find(|t| exports(module, *t).contains(&symbol)) {
        return format!("; it was added in {}", TAGS[later]);
    }
    let earlier = (0..tag)
        .rev()
        .find(|t| exports(module, *t).contains(&symbol));
    let elsewhere = MODULES.iter().filter(|m| **m != module).find_map(|m| {
        let first = (0..TAGS.len()).find(|t| exports(m, *t).contains(&symbol))?;
        Some((*m, first))
    });
    match (earlier, elsewhere) {
        (Some(_), Some((m, first))) => format!("; it moved to {m} in {}", TAGS[first]),
        (None, Some((m, first))) => format!("; it is exported by {m} from {}", TAGS[first]),
        (Some(last), None) => format!("; it was last exported in {}", TAGS[last]),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! export_cases {
        ($($name:ident: $module:literal @ $tag:literal exports $sym:literal => $want:literal;)*) => {$(
            #[test]
            fn $name() {
                let tag = tag_index($tag).expect("a known tag");
                assert_eq!(exports($module, tag).contains(&$sym), $want, "{}@{} {}", $module, $tag, $sym);
            }
        )*};
    }

    export_cases! {
        pipeline_001_has_git_resource_camel: "stable/pipeline" @ "0.0.1" exports "gitResource" => true;
        pipeline_004_has_no_snake_case: "stable/pipeline" @ "0.0.4" exports "git_resource" => false;
        pipeline_005_has_snake_case: "stable/pipeline" @ "0.0.5" exports "git_resource" => true;
        pipeline_005_has_no_cron: "stable/pipeline" @ "0.0.5" exports "cron" => false;
        pipeline_006_has_cron: "stable/pipeline" @ "0.0.6" exports "cron" => true;
        pipeline_007_lost_git: "stable/pipeline" @ "0.0.7" exports "git_resource" => false;
        pipeline_master_keeps_clean: "stable/pipeline" @ "master" exports "clean" => true;
        git_007: "stable/git" @ "0.0.7" exports "generate_version" => true;
        git_006_missing: "stable/git" @ "0.0.6" exports "git_resource" => false;
        path_007_join: "stable/path" @ "0.0.7" exports "join" => true;
        path_009_no_dirname: "stable/path" @ "0.0.9" exports "dirname" => false;
        path_master_splitext: "stable/path" @ "master" exports "splitext" => true;
        docker_004_no_snake: "stable/docker" @ "0.0.4" exports "dind_task" => false;
        docker_009_snake: "stable/docker" @ "0.0.9" exports "dind_task" => true;
        buildkit_004_camel: "experimental/buildkit" @ "0.0.4" exports "buildkitContainer" => true;
        buildkit_master_volumes: "experimental/buildkit" @ "master" exports "buildkit_volumes" => true;
        buildkit_009_no_volumes: "experimental/buildkit" @ "0.0.9" exports "buildkit_volumes" => false;
        experimental_go_003_missing: "experimental/go" @ "0.0.3" exports "go" => false;
        experimental_go_004: "experimental/go" @ "0.0.4" exports "ko" => true;
        stable_go_master_resolve: "stable/go" @ "master" exports "ko_resolve" => true;
    }

    #[test]
    fn moved_symbols_name_their_new_home() {
        let master = tag_index("master").expect("master is a tag");
        assert_eq!(
            missing_hint("stable/pipeline", master, "git_resource"),
            "; it moved to stable/git in 0.0.7"
        );
        assert_eq!(
            missing_hint("stable/pipeline", 4, "cron"),
            "; it was added in 0.0.6"
        );
        assert_eq!(missing_hint("stable/pipeline", 4, "nope"), "");
    }

    #[test]
    fn pinned_commits_name_identical_tags() {
        // Two real Dispatchfiles load stable/docker at this commit, whose docker.star (and the
        // stable/k8s it loads) are the files of tag 0.0.5.
        let commit = "dc4612e95b62ff8b744bda2e4d3c75cf2edeb694";
        assert_eq!(pinned_tag("stable/docker", commit), tag_index("0.0.5"));
        assert_eq!(pinned_tag("stable/k8s", commit), tag_index("0.0.5"));
        // stable/go at that commit is not the file of any tag.
        assert_eq!(pinned_tag("stable/go", commit), None);
        // The final master is the embedded master; a tag's own commit gives that tag's modules.
        let master = "99c4fc2e05940b695c9310d74bd16f75cb2781db";
        assert_eq!(pinned_tag("stable/pipeline", master), tag_index("master"));
        assert_eq!(
            pinned_tag(
                "experimental/go",
                "c023741bab74b87973421451e9214039a1c7bc3d"
            ),
            tag_index("0.0.9")
        );
        assert_eq!(
            pinned_tag("stable/go", "a1e26004b9f8aff6a48884d523912d22c83ad311"),
            tag_index("0.0.1")
        );
        // Only full lower-case SHAs; unknown commits and modules resolve to nothing.
        assert_eq!(pinned_tag("stable/docker", "dc4612e9"), None);
        assert_eq!(pinned_tag("stable/docker", &commit.to_uppercase()), None);
        assert_eq!(pinned_tag("stable/docker", &"0".repeat(40)), None);
        assert_eq!(pinned_tag("stable/nope", commit), None);
    }

    #[test]
    fn pinned_table_is_well_formed() {
        let mut last = "";
        for line in PINNED.lines().filter(|l| !l.starts_with('#')) {
            let (sha, codes) = line.split_once(' ').expect("a SHA and the module codes");
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{line}"
            );
            assert!(sha > last, "sorted and unique: {line}");
            last = sha;
            assert_eq!(codes.len(), MODULES.len(), "{line}");
            for (m, c) in MODULES.iter().zip(codes.chars()) {
                if let Some(t) = c.to_digit(10) {
                    assert!(
                        variant_for(m, t as usize).is_some(),
                        "{m} exists at the tag: {line}"
                    );
                } else {
                    assert_eq!(c, '-', "{line}");
                }
            }
        }
    }

    #[test]
    fn every_variant_source_is_present() {
        for v in VARIANTS {
            assert!(v.source.contains("def "), "{} has functions", v.id);
        }
        for m in MODULES {
            assert!(tag_range(m).is_some(), "{m} exists at some tag");
        }
    }
}
