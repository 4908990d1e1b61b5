//! The `--vendor DIR` module loader (SPEC §7): local modules next to the Dispatchfile, remote ones
//! from a vendor directory; never the network.

use std::path::{Path, PathBuf};

use dispatchfile_parse::{LoadError, ModuleLoader, ModuleRef, ModuleSource};

/// Resolves `load()`s from disk.
#[derive(Debug)]
pub(crate) struct VendorLoader {
    vendor: Option<PathBuf>,
    root_file: Option<PathBuf>,
}

/// Whether every `/`-separated part is a plain name (no `..`, `.`, empty part or backslash), so a
/// module reference cannot leave the directory it is resolved in.
fn plain(path: &str) -> bool {
    path.split('/')
        .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'))
}

impl VendorLoader {
    pub(crate) fn new(vendor: Option<PathBuf>, root_file: Option<PathBuf>) -> VendorLoader {
        VendorLoader { vendor, root_file }
    }

    /// The files to try for `module`, in order, or why there are none.
    fn candidates(&self, module: &ModuleRef) -> Result<Vec<PathBuf>, String> {
        match module {
            // `/x` resolves to `<dir of FILE>/x.star`.
            ModuleRef::Local { path } => {
                let rel = path.trim_start_matches('/');
                if !plain(rel) {
                    return Err(format!(
                        "cannot load \"{module}\": the path must stay inside the repository"
                    ));
                }
                let dir = self
                    .root_file
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                Ok(vec![dir.join(format!("{rel}.star"))])
            }
            // `H/O/R/p@V` resolves to `DIR/H/O/R@V/p.star`, then `DIR/H/O/R/p.star`.
            ModuleRef::Remote {
                host,
                owner,
                repo,
                path,
                version,
            } => {
                let Some(dir) = &self.vendor else {
                    return Err(format!(
                        "cannot load \"{module}\": no --vendor directory given"
                    ));
                };
                let version_ok = version.as_deref().is_none_or(plain);
                if ![host, owner, repo, path].iter().all(|p| plain(p)) || !version_ok {
                    return Err(format!(
                        "cannot load \"{module}\": the reference must stay inside the vendor directory"
                    ));
                }
                let mut out = Vec::new();
                if let Some(v) = version {
                    out.push(
                        dir.join(host)
                            .join(owner)
                            .join(format!("{repo}@{v}"))
                            .join(format!("{path}.star")),
                    );
                }
                out.push(
                    dir.join(host)
                        .join(owner)
                        .join(repo)
                        .join(format!("{path}.star")),
                );
                Ok(out)
            }
            _ => Err(format!(
                "cannot load \"{module}\": unsupported module reference"
            )),
        }
    }
}

impl ModuleLoader for VendorLoader {
    fn load(&self, module: &ModuleRef) -> Result<ModuleSource, LoadError> {
        let candidates = self
            .candidates(module)
            .map_err(|message| LoadError { message })?;
        for c in &candidates {
            if let Ok(text) = std::fs::read_to_string(c) {
                return Ok(ModuleSource {
                    name: c.display().to_string(),
                    text,
                });
            }
        }
        let tried = candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Err(LoadError {
            message: format!("cannot load \"{module}\": not found (tried {tried})"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(path: &str, version: Option<&str>) -> ModuleRef {
        ModuleRef::Remote {
            host: "github.com".into(),
            owner: "acme".into(),
            repo: "lib".into(),
            path: path.into(),
            version: version.map(str::to_owned),
        }
    }

    macro_rules! candidate_cases {
        ($($name:ident: $module:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let loader = VendorLoader::new(Some(PathBuf::from("vendor")), Some(PathBuf::from("repo/Dispatchfile")));
                let got = loader.candidates(&$module).map(|v| v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
                let want: Result<Vec<String>, &str> = $want;
                match (got, want) {
                    (Ok(g), Ok(w)) => assert_eq!(g, w),
                    (Err(g), Err(w)) => assert!(g.contains(w), "{g}"),
                    (g, w) => panic!("got {g:?}, want {w:?}"),
                }
            }
        )*};
    }

    candidate_cases! {
        local_next_to_the_dispatchfile: ModuleRef::Local { path: "/lib/steps".into() } => Ok(vec!["repo/lib/steps.star".into()]);
        versioned_remote_then_unversioned: remote("starlark/x", Some("v1")) => Ok(vec![
            "vendor/github.com/acme/lib@v1/starlark/x.star".into(),
            "vendor/github.com/acme/lib/starlark/x.star".into(),
        ]);
        unversioned_remote: remote("x", None) => Ok(vec!["vendor/github.com/acme/lib/x.star".into()]);
        local_cannot_escape: ModuleRef::Local { path: "/../secret".into() } => Err("must stay inside the repository");
        remote_cannot_escape: remote("../../etc/x", Some("v1")) => Err("must stay inside the vendor directory");
        version_cannot_escape: remote("x", Some("../v1")) => Err("must stay inside the vendor directory");
    }

    #[test]
    fn remote_modules_need_a_vendor_directory() {
        let loader = VendorLoader::new(None, None);
        let err = loader
            .load(&remote("x", None))
            .expect_err("no vendor directory");
        assert_eq!(
            err.message,
            "cannot load \"github.com/acme/lib/x\": no --vendor directory given"
        );
    }

    #[test]
    fn reads_vendored_files() {
        let dir = std::env::temp_dir().join(format!("dispatch-vendor-test-{}", std::process::id()));
        let file = dir.join("github.com/acme/lib@v1/x.star");
        std::fs::create_dir_all(file.parent().expect("has a parent"))
            .expect("temp dir is writable");
        std::fs::write(&file, "x = 1\n").expect("temp file is writable");
        let loader = VendorLoader::new(Some(dir.clone()), None);
        let got = loader.load(&remote("x", Some("v1")));
        let _ = std::fs::remove_dir_all(&dir);
        let source = got.expect("the vendored file is found");
        assert_eq!(source.text, "x = 1\n");
        assert!(
            source.name.ends_with("github.com/acme/lib@v1/x.star"),
            "{}",
            source.name
        );
    }
}
