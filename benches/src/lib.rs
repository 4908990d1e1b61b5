//! Shared inputs and peer adapters for the dispatchfile benchmarks.
//!
//! Each topic has a module; benches in `benches/<topic>.rs` use it, so every peer in a criterion
//! group runs on the same inputs.

/// The workspace README's examples (the embedding example), compiled and run as doctests. They
/// live in this unpublished crate because no published package contains the workspace README.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub mod glob {
    //! Inputs for `benches/glob.rs`: a Dispatchfile-sized list of 50 patterns and 10,000 realistic
    //! branch names and changed paths, plus the peer adapters (globset, fast-glob).
    //!
    //! The patterns are ones on which our dialect and globset with
    //! `literal_separator(true)` agree: no mid-segment `**`, no empty brace alternatives.

    /// 38 positive and 12 negative patterns: literals, prefixes, extensions, `**`, classes, braces.
    pub const PATTERNS: [&str; 50] = [
        "main",
        "master",
        "develop",
        "{staging,production}",
        "release/*",
        "release/v[0-9]*",
        "hotfix/**",
        "feature/**",
        "dependabot/**",
        "renovate/*",
        "v[0-9]*",
        "v[0-9].[0-9]*.[0-9]*",
        "release-*",
        "*-stable",
        "src/**/*.rs",
        "src/**/*.go",
        "cmd/**",
        "pkg/**/*.go",
        "docs/**",
        "**/*.md",
        "**/*.{yaml,yml}",
        "**/Dockerfile",
        "**/Dispatchfile",
        "api/v[12]/**",
        "charts/*/templates/*.yaml",
        "*.json",
        "Makefile",
        "go.{mod,sum}",
        "Cargo.{toml,lock}",
        ".github/workflows/*.yml",
        "web/src/**/*.{ts,tsx}",
        "scripts/*.sh",
        "test/**/*_test.go",
        "**/testdata/**",
        "deploy/{dev,staging,prod}/**",
        "infra/terraform/**/*.tf",
        "tools/??-*",
        "config/[a-z]*.toml",
        "!docs/internal/**",
        "!vendor/**",
        "!**/node_modules/**",
        "!release/old-*",
        "!feature/wip-*",
        "!**/*_generated.go",
        "!**/*.pb.go",
        "!third_party/**",
        "!dependabot/npm_and_yarn/**",
        "!*.bak",
        "!**/.DS_Store",
        "![0-9]*",
    ];

    /// A small deterministic generator (64-bit LCG, Knuth's constants), so every run and every peer
    /// sees the same inputs.
    #[derive(Debug)]
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    const WORDS: [&str; 24] = [
        "login",
        "cache",
        "api",
        "docs",
        "parser",
        "retry",
        "auth",
        "ui",
        "metrics",
        "deps",
        "cleanup",
        "ci",
        "billing",
        "search",
        "upload",
        "export",
        "timeout",
        "logging",
        "k8s",
        "helm",
        "config",
        "tests",
        "perf",
        "old-stuff",
    ];
    const DIRS: [&str; 30] = [
        "src",
        "pkg",
        "cmd",
        "docs",
        "internal",
        "web/src",
        "vendor/github.com/x/y",
        "node_modules/lodash",
        "api/v1",
        "api/v2",
        "api/v3",
        "charts/app",
        "charts/app/templates",
        "deploy/dev",
        "deploy/prod",
        "deploy/qa",
        "test",
        "test/e2e",
        "infra/terraform",
        "infra/terraform/modules/net",
        "scripts",
        "tools",
        "config",
        ".github/workflows",
        "third_party/proto",
        "docs/internal",
        "src/testdata",
        "lib",
        "assets/img",
        "build",
    ];
    const FILES: [&str; 32] = [
        "main.rs",
        "lib.rs",
        "mod.rs",
        "main.go",
        "server.go",
        "server_test.go",
        "types_generated.go",
        "api.pb.go",
        "README.md",
        "CHANGELOG.md",
        "values.yaml",
        "deployment.yaml",
        "ci.yml",
        "package.json",
        "tsconfig.json",
        "index.ts",
        "App.tsx",
        "Cargo.toml",
        "Cargo.lock",
        "go.mod",
        "go.sum",
        "Makefile",
        "Dockerfile",
        "Dispatchfile",
        "run.sh",
        "main.tf",
        "app.toml",
        "logo.png",
        "notes.txt",
        "data.bak",
        ".DS_Store",
        "ab-gen",
    ];

    fn branch(r: &mut Lcg) -> String {
        let n = r.below(1000);
        let w = r.pick(&WORDS);
        match r.below(14) {
            0 => r
                .pick(&[
                    "main",
                    "master",
                    "develop",
                    "staging",
                    "production",
                    "trunk",
                ])
                .to_owned(),
            1..=3 => format!("feature/{w}-{n}"),
            4 => format!("feature/wip-{w}"),
            5 => format!("release/{}.{}", r.below(5), r.below(20)),
            6 => format!("release/v{}.{}.{}", r.below(5), r.below(20), r.below(9)),
            7 => format!("v{}.{}.{}", r.below(5), r.below(20), r.below(9)),
            8 => format!("hotfix/{w}/{n}"),
            9 => format!(
                "dependabot/{}/{w}-{n}",
                r.pick(&["npm_and_yarn", "cargo", "go_modules"])
            ),
            10 => format!("renovate/{w}"),
            11 => format!("users/{}/{w}", r.pick(&["alice", "bob", "carol"])),
            12 => format!("release-{n}"),
            _ => format!("{w}-{}", r.pick(&["stable", "beta", "fix"])),
        }
    }

    fn path(r: &mut Lcg) -> String {
        let mut p = String::new();
        if r.below(5) != 0 {
            p.push_str(r.pick(&DIRS));
            p.push('/');
            for _ in 0..r.below(3) {
                p.push_str(r.pick(&WORDS));
                p.push('/');
            }
        }
        p.push_str(r.pick(&FILES));
        p
    }

    /// 10,000 inputs, alternately a branch name and a changed path, from a fixed seed.
    #[must_use]
    pub fn inputs() -> Vec<String> {
        let mut r = Lcg(0x00d1_5ba7_c4f1_1e00);
        (0..10_000)
            .map(|i| {
                if i % 2 == 0 {
                    branch(&mut r)
                } else {
                    path(&mut r)
                }
            })
            .collect()
    }

    /// Lists of real path-filter shapes for the paths of a real repository (the corpus's
    /// tektoncd/pipeline tree): `(name, patterns)`, 3 to 256 patterns. The largest is made from
    /// the busiest directories of `paths` (deterministic: sorted by file count, then name) in the
    /// shapes Dispatchfiles use: `dir/**`, `dir/**/*.go`, `!dir/**/*_test.go`, `dir/*.yaml`,
    /// `**/name/**`, `dir/[a-z]*.go`, exact files.
    #[must_use]
    pub fn path_lists(paths: &[String]) -> Vec<(&'static str, Vec<String>)> {
        let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let largest = largest_path_list(paths);
        vec![
            (
                "3 ignore docs (negations only)",
                own(&["!docs/**", "!**/*.md", "!**/OWNERS"]),
            ),
            (
                "5 one component (+ negations)",
                own(&[
                    "pkg/reconciler/**",
                    "cmd/controller/**",
                    "!**/*_test.go",
                    "!**/testdata/**",
                    "!pkg/reconciler/**/*.md",
                ]),
            ),
            (
                "6 extensions and build files",
                own(&[
                    "**/*.go",
                    "go.mod",
                    "go.sum",
                    "Makefile",
                    "**/Dockerfile",
                    "**/*.{yaml,yml}",
                ]),
            ),
            (
                "12 middles, classes, braces",
                own(&[
                    "pkg/*/v1/*.go",
                    "cmd/*/main.go",
                    "**/*.{go,mod}",
                    "test/**/[a-z]*_test.go",
                    "config/*/[0-9]*-*.yaml",
                    "docs/**/*.{md,png}",
                    "pkg/{apis,client}/**/*.go",
                    "hack/[a-m]*.sh",
                    "**/OWNERS*",
                    "!**/vendor/**",
                    "!**/zz_generated.*.go",
                    "!**/*_{mock,fake}.go",
                ]),
            ),
            ("50 mixed monorepo filter", own(&MONOREPO)),
            ("64 monorepo filter and vendored code", {
                // The monorepo filter grown by the first vendored directories of the largest list.
                let mut l = own(&MONOREPO);
                l.extend(largest.iter().take(14).cloned());
                l
            }),
            ("256 per-list maximum", largest),
        ]
    }

    /// A monorepo's paths filter: components, generated code and docs excluded.
    const MONOREPO: [&str; 50] = [
        "pkg/apis/**",
        "pkg/reconciler/**",
        "pkg/pod/**",
        "pkg/resolution/**",
        "pkg/remoteresolution/**",
        "pkg/client/**/*.go",
        "pkg/pipelinerunmetrics/**",
        "pkg/taskrunmetrics/**",
        "pkg/credentials/**",
        "pkg/entrypoint/**",
        "cmd/*/main.go",
        "cmd/entrypoint/**",
        "cmd/controller/**",
        "cmd/webhook/**",
        "cmd/resolvers/**",
        "config/**/*.yaml",
        "config/*.yaml",
        "examples/v1/**/*.yaml",
        "test/**/*.go",
        "test/conformance/**",
        "hack/*.sh",
        "tekton/**",
        ".tekton/**",
        ".github/workflows/*.{yml,yaml}",
        "internal/**",
        "go.{mod,sum}",
        "Makefile",
        "**/Dockerfile",
        "**/*.proto",
        "**/BUILD.bazel",
        "docs/pipeline-api.md",
        "docs/*.md",
        "vendor/knative.dev/**",
        "vendor/k8s.io/api/core/v1/*.go",
        "vendor/github.com/google/go-containerregistry/**",
        "vendor/modules.txt",
        "optional_config/**",
        "pkg/apis/pipeline/v1/*_types.go",
        "pkg/apis/pipeline/v1beta1/*_types.go",
        "pkg/apis/**/zz_generated.deepcopy.go",
        "!**/*_test.go",
        "!**/testdata/**",
        "!**/zz_generated.*.go",
        "!pkg/client/**/fake/**",
        "!**/*.pb.go",
        "!docs/internal/**",
        "!**/.gitignore",
        "!vendor/**/LICENSE",
        "!test/**/*.md",
        "!**/OWNERS",
    ];

    /// 256 patterns from the busiest directories of `paths`, shapes in turn.
    fn largest_path_list(paths: &[String]) -> Vec<String> {
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for p in paths {
            for (i, _) in p.match_indices('/').skip(1).take(3) {
                *counts.entry(&p[..i]).or_default() += 1;
            }
        }
        let mut dirs: Vec<(&str, usize)> = counts.into_iter().collect();
        dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut out = Vec::with_capacity(256);
        for (i, (d, _)) in dirs.iter().enumerate().take(248) {
            let name = d.rsplit('/').next().unwrap_or(d);
            out.push(match i % 8 {
                0 => format!("{d}/**"),
                1 => format!("{d}/**/*.go"),
                2 => format!("!{d}/**/*_test.go"),
                3 => format!("{d}/*.yaml"),
                4 => format!("**/{name}/**"),
                5 => format!("{d}/[a-z]*.go"),
                6 => format!("{d}/**/*.{{json,txt}}"),
                _ => format!("!{d}/*.md"),
            });
        }
        // Exact files, spread over the tree.
        let step = (paths.len() / (256 - out.len()).max(1)).max(1);
        let mut at = 0;
        while out.len() < 256 && at < paths.len() {
            out.push(paths[at].clone());
            at += step;
        }
        out
    }

    /// 10,000 branch and tag names (short forms, as lists see them), from a fixed seed: the
    /// branch shapes of [`inputs`] and semver tags.
    #[must_use]
    pub fn refs() -> Vec<String> {
        let mut r = Lcg(0x7a95_00b1_2a5c_4e51);
        (0..10_000)
            .map(|i| {
                if i % 4 == 3 {
                    let (a, b, c) = (r.below(4), r.below(30), r.below(12));
                    match r.below(4) {
                        0 => format!("v{a}.{b}.{c}-rc.{}", r.below(4)),
                        1 => format!("{a}.{b}.{c}"),
                        _ => format!("v{a}.{b}.{c}"),
                    }
                } else {
                    branch(&mut r)
                }
            })
            .collect()
    }

    /// Branch and tag lists in Dispatchfile shapes, 3 to 256 patterns.
    #[must_use]
    pub fn ref_lists() -> Vec<(&'static str, Vec<String>)> {
        let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let mut largest = Vec::with_capacity(256);
        for (i, w) in WORDS.iter().cycle().take(256 - 16).enumerate() {
            largest.push(match i % 8 {
                0 => format!("feature/{w}-*"),
                1 => format!("release/v{}.*", i % 5),
                2 => format!("!feature/wip-{w}"),
                3 => format!("hotfix/{w}/**"),
                4 => format!("users/*/{w}"),
                5 => format!("v{}.{}.*", i % 4, i % 30),
                6 => format!("{w}-{{stable,beta}}"),
                _ => format!("release-{}", i * 7 % 1000),
            });
        }
        for p in [
            "main",
            "master",
            "develop",
            "staging",
            "production",
            "trunk",
            "renovate/*",
            "dependabot/**",
            "!dependabot/npm_and_yarn/**",
            "v[0-9]*",
            "!v0.*",
            "[0-9]*.[0-9]*.[0-9]*",
            "release/*",
            "!release/old-*",
            "*-rc.*",
            "!*-rc.0",
        ] {
            largest.push(p.to_owned());
        }
        vec![
            (
                "3 main and releases",
                own(&["main", "release/*", "!release/0.*"]),
            ),
            (
                "8 branches and tags",
                own(&[
                    "main",
                    "develop",
                    "release/**",
                    "hotfix/**",
                    "v[0-9]*",
                    "!v0.*",
                    "!*-rc.*",
                    "!release/old-*",
                ]),
            ),
            (
                "11 classes and braces",
                own(&[
                    "{main,master}",
                    "release/v[0-9]*.[0-9]*",
                    "release-[0-9][0-9][0-9]",
                    "hotfix/*/[0-9]*",
                    "users/{alice,bob}/*",
                    "*-{stable,beta}",
                    "v[1-9].*",
                    "!v*-rc.*",
                    "dependabot/{npm_and_yarn,cargo}/**",
                    "feature/[a-m]*",
                    "!feature/wip-*",
                ]),
            ),
            ("50 mixed", own(&PATTERNS)),
            ("256 per-list maximum", largest),
        ]
    }

    /// `inputs` in `count` further orders, each a fixed shuffle of them with the strings copied in
    /// that order, so that each order also lies in memory in its own order. A bench that takes
    /// these orders in turn meets its inputs in a new order on every pass: over thousands of
    /// passes of one order, a processor's branch predictor learns part of that order, which no
    /// real stream of events repeats.
    #[must_use]
    pub fn new_orders(inputs: &[String], count: usize) -> Vec<Vec<String>> {
        let mut r = Lcg(0x0bde_4f5e_11a7_e0d5);
        (0..count)
            .map(|_| {
                let mut order: Vec<&String> = inputs.iter().collect();
                // Fisher-Yates, from the end.
                for i in (1..order.len()).rev() {
                    let j = (r.next() % (i as u64 + 1)) as usize;
                    order.swap(i, j);
                }
                order.into_iter().cloned().collect()
            })
            .collect()
    }

    /// The name of the branch list that [`by_hand`] writes out as code.
    pub const BY_HAND_LIST: &str = "11 classes and braces";

    /// The list [`BY_HAND_LIST`] of [`ref_lists`] as a program written for that one list: a
    /// reference for what the list costs when a person writes its rule out by hand (a test keeps it
    /// equal to the list's patterns). It branches on the first byte to the patterns that can match,
    /// then compares fixed prefixes and looks for `/` only where a pattern needs it.
    #[must_use]
    pub fn by_hand(s: &str) -> bool {
        let b = s.as_bytes();
        let no_slash = |t: &[u8]| !t.contains(&b'/');
        // `*-{stable,beta}`: the only pattern that can match names of any opening.
        let suffix = || no_slash(b) && (b.ends_with(b"-stable") || b.ends_with(b"-beta"));
        match b.first() {
            // `{main,master}`
            Some(b'm') => b == b"main" || b == b"master" || suffix(),
            Some(b'r') => {
                if let Some(t) = b.strip_prefix(b"release/v") {
                    // `release/v[0-9]*.[0-9]*` (no other pattern takes a `/`)
                    return t.first().is_some_and(u8::is_ascii_digit)
                        && no_slash(&t[1..])
                        && t[1..]
                            .windows(2)
                            .any(|w| w[0] == b'.' && w[1].is_ascii_digit());
                }
                // `release-[0-9][0-9][0-9]`
                let three = b
                    .strip_prefix(b"release-")
                    .is_some_and(|t| t.len() == 3 && t.iter().all(u8::is_ascii_digit));
                three || suffix()
            }
            Some(b'h') => match b.strip_prefix(b"hotfix/") {
                // `hotfix/*/[0-9]*`
                Some(t) => t.iter().position(|&c| c == b'/').is_some_and(|at| {
                    let last = &t[at + 1..];
                    last.first().is_some_and(u8::is_ascii_digit) && no_slash(last)
                }),
                None => suffix(),
            },
            Some(b'u') => match b.strip_prefix(b"users/") {
                // `users/{alice,bob}/*`
                Some(t) => t
                    .strip_prefix(b"alice/")
                    .or_else(|| t.strip_prefix(b"bob/"))
                    .is_some_and(no_slash),
                None => suffix(),
            },
            // `v[1-9].*` and `!v*-rc.*`
            Some(b'v') => {
                no_slash(b)
                    && !b.windows(4).any(|w| w == b"-rc.")
                    && ((b.len() >= 3 && (b'1'..=b'9').contains(&b[1]) && b[2] == b'.')
                        || b.ends_with(b"-stable")
                        || b.ends_with(b"-beta"))
            }
            // `dependabot/{npm_and_yarn,cargo}/**`
            Some(b'd') => {
                b.starts_with(b"dependabot/npm_and_yarn/")
                    || b.starts_with(b"dependabot/cargo/")
                    || suffix()
            }
            Some(b'f') => match b.strip_prefix(b"feature/") {
                // `feature/[a-m]*` and `!feature/wip-*`
                Some(t) => {
                    no_slash(t)
                        && !t.starts_with(b"wip-")
                        && t.first().is_some_and(|c| (b'a'..=b'm').contains(c))
                }
                None => suffix(),
            },
            _ => suffix(),
        }
    }

    /// Our compiled list: one `GlobSet` holding positives and negatives.
    ///
    /// # Panics
    ///
    /// If a pattern of [`PATTERNS`] is invalid (it is a fixed list).
    #[must_use]
    pub fn dispatch_glob<S: AsRef<str>>(patterns: &[S]) -> dispatch_glob::GlobSet {
        let mut b = dispatch_glob::GlobSetBuilder::new();
        for p in patterns {
            b.add(dispatch_glob::Glob::new(p.as_ref()).expect("bench patterns are valid"));
        }
        b.build().expect("bench lists are within the limits")
    }

    /// globset's best shape for the list rule: one `GlobSet` for the positives, one for the
    /// negatives (leading `!` removed), `literal_separator(true)`.
    #[derive(Debug)]
    pub struct GlobsetList {
        positive: globset::GlobSet,
        negative: globset::GlobSet,
    }

    impl GlobsetList {
        /// Compiles `patterns`.
        ///
        /// # Panics
        ///
        /// If globset rejects a pattern (the fixed list is accepted).
        #[must_use]
        pub fn new<S: AsRef<str>>(patterns: &[S]) -> GlobsetList {
            let mut pos = globset::GlobSetBuilder::new();
            let mut neg = globset::GlobSetBuilder::new();
            for p in patterns {
                let p = p.as_ref();
                let (set, body) = match p.strip_prefix('!') {
                    Some(body) => (&mut neg, body),
                    None => (&mut pos, p),
                };
                set.add(
                    globset::GlobBuilder::new(body)
                        .literal_separator(true)
                        .build()
                        .expect("globset accepts it"),
                );
            }
            GlobsetList {
                positive: pos.build().expect("globset builds it"),
                negative: neg.build().expect("globset builds it"),
            }
        }

        /// The list rule (some positive matches, or none exist; no negative matches) with globset.
        #[must_use]
        pub fn is_match(&self, s: &str) -> bool {
            (self.positive.is_empty() || self.positive.is_match(s)) && !self.negative.is_match(s)
        }
    }

    /// fast-glob has no compile step: the list rule over 50 `glob_match` calls.
    #[derive(Debug)]
    pub struct FastGlobList {
        positive: Vec<String>,
        negative: Vec<String>,
    }

    impl FastGlobList {
        /// Splits `patterns` into positives and negatives.
        #[must_use]
        pub fn new<S: AsRef<str>>(patterns: &[S]) -> FastGlobList {
            let (neg, pos): (Vec<&str>, Vec<&str>) = patterns
                .iter()
                .map(AsRef::as_ref)
                .partition(|p| p.starts_with('!'));
            FastGlobList {
                positive: pos.into_iter().map(str::to_owned).collect(),
                negative: neg.into_iter().map(|p| p[1..].to_owned()).collect(),
            }
        }

        /// The list rule with fast-glob.
        #[must_use]
        pub fn is_match(&self, s: &str) -> bool {
            (self.positive.is_empty() || self.positive.iter().any(|p| fast_glob::glob_match(p, s)))
                && !self.negative.iter().any(|p| fast_glob::glob_match(p, s))
        }
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        use super::{BY_HAND_LIST, by_hand, dispatch_glob, new_orders, ref_lists, refs};

        #[test]
        fn new_orders_are_distinct_shuffles_of_the_inputs() {
            let inputs = refs();
            let mut sorted = inputs.clone();
            sorted.sort();
            let orders = new_orders(&inputs, 4);
            assert_eq!(orders.len(), 4);
            for (k, order) in orders.iter().enumerate() {
                let mut same = order.clone();
                same.sort();
                assert!(
                    same == sorted,
                    "order {k} is not a permutation of the inputs"
                );
                assert!(*order != inputs, "order {k} is the inputs' own order");
                for other in &orders[..k] {
                    assert!(order != other, "order {k} repeats an earlier order");
                }
            }
            assert_eq!(orders, new_orders(&inputs, 4), "the orders are fixed");
        }

        fn list() -> dispatch_glob::GlobSet {
            let (_, patterns) = ref_lists()
                .into_iter()
                .find(|(name, _)| *name == BY_HAND_LIST)
                .expect("the list is one of ref_lists");
            dispatch_glob(&patterns)
        }

        #[test]
        fn by_hand_agrees_with_its_list_on_the_bench_names_and_edges() {
            let set = list();
            let edges = [
                "",
                "m",
                "main",
                "mainx",
                "master",
                "-beta",
                "x-stable",
                "a/b-beta",
                "release/v1",
                "release/v1.",
                "release/v1.2",
                "release/v1x.2/",
                "release/v.1",
                "release-123",
                "release-12",
                "release-1234",
                "release-beta",
                "hotfix/a/1",
                "hotfix//1",
                "hotfix/a/1/",
                "hotfix/a/x",
                "hotfix/a",
                "users/bob/",
                "users/bob/x/y",
                "users/carol/x",
                "v",
                "v1",
                "v1.",
                "v0.1",
                "v1.2-rc.1",
                "v-rc.",
                "v1.0-beta",
                "v0-beta",
                "v1/x",
                "dependabot/cargo/",
                "dependabot/cargo",
                "dependabot-beta",
                "dependabot/go/x",
                "feature/",
                "feature/a",
                "feature/a/b",
                "feature/wip-a",
                "feature/wip",
                "feature/n",
                "feature/é",
                "é-beta",
                "rel/v1.2",
            ];
            for s in refs().iter().map(String::as_str).chain(edges) {
                assert_eq!(by_hand(s), set.is_match(s), "{s:?}");
            }
        }

        proptest! {
            #[test]
            fn by_hand_agrees_with_its_list(
                parts in proptest::collection::vec(
                    prop_oneof![
                        Just("main"), Just("master"), Just("release"), Just("hotfix"),
                        Just("users"), Just("alice"), Just("bob"), Just("dependabot"),
                        Just("npm_and_yarn"), Just("cargo"), Just("feature"), Just("wip-"),
                        Just("-stable"), Just("-beta"), Just("-rc."), Just("/"), Just("."),
                        Just("-"), Just("v"), Just("0"), Just("1"), Just("a"), Just("n"),
                        Just("é"),
                    ],
                    0..7,
                )
            ) {
                let s = parts.concat();
                prop_assert_eq!(by_hand(&s), list().is_match(&s), "{:?}", s);
            }
        }
    }
}
