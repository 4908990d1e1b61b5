//! The `--vendor DIR` module loader: local modules next to the Dispatchfile, remote ones
//! from a vendor directory; never the network.
//!
//! A Dispatchfile may come from a pull request, so what it loads must not read the CI host's
//! files: a module is read only when its real path (symbolic links resolved) is inside its root
//! (the Dispatchfile's directory for local loads, the vendor directory for remote ones), only
//! when it is a regular file, and only up to `Limits::max_source_bytes` plus one byte. A refusal
//! names the module, never the file a link points to, and shows nothing of its content.

use std::path::{Path, PathBuf};

use dispatchfile_parse::{LoadError, ModuleLoader, ModuleRef, ModuleSource};

use crate::read::{ReadError, read_bounded, utf8};

/// Resolves `load()`s from disk.
#[derive(Debug)]
pub(crate) struct VendorLoader {
    vendor: Option<PathBuf>,
    root_file: Option<PathBuf>,
    /// `Limits::max_source_bytes`: a module is read up to this many bytes.
    max_bytes: usize,
}

/// Whether every `/`-separated part is a plain name (no `..`, `.`, empty part or backslash), so a
/// module reference cannot leave the directory it is resolved in.
fn plain(path: &str) -> bool {
    path.split('/')
        .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'))
}

impl VendorLoader {
    pub(crate) fn new(
        vendor: Option<PathBuf>,
        root_file: Option<PathBuf>,
        max_bytes: usize,
    ) -> VendorLoader {
        VendorLoader {
            vendor,
            root_file,
            max_bytes,
        }
    }

    /// The directory `module` must stay in: the Dispatchfile's for local modules (the current
    /// directory for standard input), the vendor directory for remote ones.
    fn root(&self, module: &ModuleRef) -> Option<PathBuf> {
        match module {
            ModuleRef::Local { .. } => Some(
                self.root_file
                    .as_deref()
                    .and_then(Path::parent)
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            ),
            _ => self.vendor.clone(),
        }
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
        let fail = |message: String| LoadError { message };
        let candidates = self.candidates(module).map_err(fail)?;
        let root = self.root(module).ok_or_else(|| {
            fail(format!(
                "cannot load \"{module}\": no directory to load it from"
            ))
        })?;
        let root = root.canonicalize().map_err(|e| {
            fail(format!(
                "cannot load \"{module}\": cannot read the directory {}: {e}",
                root.display()
            ))
        })?;
        for c in &candidates {
            // Missing: try the next one. The real path, not the text of the reference, must be
            // inside the root: a link to /etc/passwd or /dev/zero is refused unread.
            let Ok(real) = c.canonicalize() else { continue };
            if !real.starts_with(&root) {
                return Err(fail(format!(
                    "cannot load \"{module}\": {} leads outside {} (through a symbolic link)",
                    c.display(),
                    if matches!(module, ModuleRef::Local { .. }) {
                        "the repository"
                    } else {
                        "the vendor directory"
                    }
                )));
            }
            let bytes =
                read_bounded(&real, "module", self.max_bytes, "max_source_bytes").map_err(|e| {
                    match e {
                        ReadError::Unreadable(why) => {
                            fail(format!("cannot load \"{module}\": {why}"))
                        }
                        ReadError::TooLarge {
                            limit_name,
                            limit,
                            size,
                        } => fail(format!(
                            "cannot load \"{module}\": {}: {}",
                            c.display(),
                            ReadError::limit_message(limit_name, limit, size)
                        )),
                    }
                })?;
            let text = utf8(bytes).map_err(|(_, at)| {
                fail(format!(
                    "cannot load \"{module}\": {} is not valid UTF-8 (byte {at})",
                    c.display()
                ))
            })?;
            return Ok(ModuleSource {
                name: c.display().to_string(),
                text,
            });
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
                let loader = VendorLoader::new(Some(PathBuf::from("vendor")), Some(PathBuf::from("repo/Dispatchfile")), 1 << 20);
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
        let loader = VendorLoader::new(None, None, 1 << 20);
        let err = loader
            .load(&remote("x", None))
            .expect_err("no vendor directory");
        assert_eq!(
            err.message,
            "cannot load \"github.com/acme/lib/x\": no --vendor directory given"
        );
    }

    /// A vendor directory whose `github.com/acme/lib/x.star` is a link to `target` (a path
    /// inside the vendor directory when relative), and the outcome of loading it.
    #[cfg(unix)]
    fn load_through_link(name: &str, target: &str) -> Result<String, String> {
        let dir = std::env::temp_dir().join(format!(
            "dispatch-vendor-link-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let lib = dir.join("github.com/acme/lib");
        std::fs::create_dir_all(&lib).expect("temp dir is writable");
        std::fs::write(dir.join("inside.star"), "x = 1\n").expect("temp file is writable");
        let target = if target.starts_with('/') {
            PathBuf::from(target)
        } else {
            dir.join(target)
        };
        std::os::unix::fs::symlink(&target, lib.join("x.star")).expect("symlink");
        let loader = VendorLoader::new(Some(dir.clone()), None, 1 << 20);
        let got = loader.load(&remote("x", None));
        let _ = std::fs::remove_dir_all(&dir);
        got.map(|s| s.text).map_err(|e| e.message)
    }

    #[cfg(unix)]
    macro_rules! link_cases {
        ($($name:ident: $target:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let got = load_through_link(stringify!($name), $target);
                let want: Result<&str, &str> = $want;
                match (&got, want) {
                    (Ok(text), Ok(w)) => assert_eq!(text, w),
                    (Err(m), Err(w)) => assert!(m.contains(w), "{m}"),
                    _ => panic!("got {got:?}, want {want:?}"),
                }
            }
        )*};
    }

    #[cfg(unix)]
    link_cases! {
        link_inside_the_vendor_directory: "inside.star" => Ok("x = 1\n");
        link_to_etc_passwd: "/etc/passwd" => Err("leads outside the vendor directory (through a symbolic link)");
        link_to_dev_zero: "/dev/zero" => Err("leads outside the vendor directory");
        link_to_a_directory_inside: "github.com" => Err("it is a directory, not a file");
    }

    #[test]
    fn reads_vendored_files() {
        let dir = std::env::temp_dir().join(format!("dispatch-vendor-test-{}", std::process::id()));
        let file = dir.join("github.com/acme/lib@v1/x.star");
        std::fs::create_dir_all(file.parent().expect("has a parent"))
            .expect("temp dir is writable");
        std::fs::write(&file, "x = 1\n").expect("temp file is writable");
        let loader = VendorLoader::new(Some(dir.clone()), None, 1 << 20);
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
