//! The `--vendor DIR` module loader (SPEC §7): local modules next to the Dispatchfile, remote ones
//! from a vendor directory; never the network.

use std::path::PathBuf;

use dispatchfile_parse::{LoadError, ModuleLoader, ModuleRef, ModuleSource};

/// Resolves `load()`s from disk.
#[derive(Debug)]
pub(crate) struct VendorLoader {
    vendor: Option<PathBuf>,
    root_file: Option<PathBuf>,
}

impl VendorLoader {
    pub(crate) fn new(vendor: Option<PathBuf>, root_file: Option<PathBuf>) -> VendorLoader {
        VendorLoader { vendor, root_file }
    }

    fn candidates(&self, module: &ModuleRef) -> Vec<PathBuf> {
        match module {
            // `/x` resolves to `<dir of FILE>/x.star`.
            ModuleRef::Local { path } => {
                let dir = self
                    .root_file
                    .as_ref()
                    .and_then(|f| f.parent().map(PathBuf::from))
                    .unwrap_or_default();
                vec![dir.join(format!("{}.star", path.trim_start_matches('/')))]
            }
            // `H/O/R/p@V` resolves to `DIR/H/O/R@V/p.star`, then `DIR/H/O/R/p.star`.
            ModuleRef::Remote { host, owner, repo, path, version } => {
                let Some(dir) = &self.vendor else { return Vec::new() };
                let mut out = Vec::new();
                if let Some(v) = version {
                    out.push(dir.join(host).join(owner).join(format!("{repo}@{v}")).join(format!("{path}.star")));
                }
                out.push(dir.join(host).join(owner).join(repo).join(format!("{path}.star")));
                out
            }
            _ => Vec::new(),
        }
    }
}

impl ModuleLoader for VendorLoader {
    fn load(&self, module: &ModuleRef) -> Result<ModuleSource, LoadError> {
        let candidates = self.candidates(module);
        if candidates.is_empty() {
            return Err(LoadError { message: format!("cannot load \"{module}\": no --vendor directory given") });
        }
        for c in &candidates {
            if let Ok(text) = std::fs::read_to_string(c) {
                return Ok(ModuleSource { name: c.display().to_string(), text });
            }
        }
        let tried = candidates.iter().map(|c| c.display().to_string()).collect::<Vec<_>>().join(", ");
        Err(LoadError { message: format!("cannot load \"{module}\": not found (tried {tried})") })
    }
}
