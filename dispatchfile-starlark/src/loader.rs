//! The module loader capability for Starlark `load()`.

use std::fmt;

/// A module named by a Starlark `load()`, after resolving local paths and catalog versions.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleRef {
    /// A file of the Dispatchfile's own repository (`load("/lib/x", …)` from the root file): the
    /// path as written, without `.star`.
    Local {
        /// Path starting with `/`.
        path: String,
    },
    /// A remote module `<host>/<owner>/<repo>/<path>[@<version>]`.
    Remote {
        /// `github.com`.
        host: String,
        /// Repository owner.
        owner: String,
        /// Repository name.
        repo: String,
        /// Path inside the repository, without `.star`.
        path: String,
        /// The version after `@`, if any.
        version: Option<String>,
    },
}

impl fmt::Display for ModuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleRef::Local { path } => f.write_str(path),
            ModuleRef::Remote {
                host,
                owner,
                repo,
                path,
                version,
            } => {
                write!(f, "{host}/{owner}/{repo}/{path}")?;
                if let Some(v) = version {
                    write!(f, "@{v}")?;
                }
                Ok(())
            }
        }
    }
}

/// The text of a loaded module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleSource {
    /// Name shown in diagnostics (a path or a reference).
    pub name: String,
    /// The Starlark source.
    pub text: String,
}

/// Why a loader could not provide a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// What went wrong, for the `load` diagnostic.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

/// Provides modules the embedded catalog does not have. The library never touches disk or network:
/// the embedder implements this (the `dispatch` CLI reads a vendor directory).
///
/// Loaders are `Sync` because evaluation runs on a helper thread with a large stack.
pub trait ModuleLoader: Sync {
    /// Loads `module`, or says why not.
    fn load(&self, module: &ModuleRef) -> Result<ModuleSource, LoadError>;
}

/// Receives the output of Starlark `print()` (one call per `print`, the text without its line
/// end). Without one, the output is dropped: the library writes nowhere by itself.
///
/// Printers are `Sync` because evaluation runs on a helper thread with a large stack.
pub trait Printer: Sync {
    /// Called with the text of one `print()`.
    fn print(&self, text: &str);
}
