//! Where a `load()` leads: module references resolved against the embedded catalog or handed to
//! the embedder's loader, and why a load failed.

use starlark::environment::FrozenModule;

use crate::budget::LimitError;
use crate::loader::ModuleRef;
use dispatchfile_model::Diagnostic;

/// The module a `load()` is written in, which decides what a leading `/` means.
#[derive(Debug, Clone)]
pub(crate) enum From {
    /// The Dispatchfile or a module of its repository.
    Local,
    /// A remote module `host/owner/repo/…@version`.
    Remote {
        host: String,
        owner: String,
        repo: String,
        version: Option<String>,
    },
}

/// What a `load()` resolves to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// An embedded catalog module at a tag index.
    Catalog { module: String, tag: usize },
    /// A module for the embedder's loader; `note` is added when the loader cannot provide it.
    External {
        module: ModuleRef,
        note: Option<String>,
    },
}

pub(crate) fn resolve(spec: &str, from: &From) -> Result<Target, String> {
    if let Some(path) = spec.strip_prefix('/') {
        return match from {
            From::Local => Ok(Target::External {
                module: ModuleRef::Local {
                    path: spec.to_owned(),
                },
                note: None,
            }),
            From::Remote {
                host,
                owner,
                repo,
                version,
            } => {
                let mut full = format!("{host}/{owner}/{repo}/{path}");
                if let Some(v) = version {
                    full.push('@');
                    full.push_str(v);
                }
                resolve(&full, &From::Local)
            }
        };
    }
    let (location, version) = match spec.split_once('@') {
        Some((l, v)) => (l, Some(v)),
        None => (spec, None),
    };
    let parts: Vec<&str> = location.splitn(4, '/').collect();
    let [host, owner, repo, path] = parts.as_slice() else {
        return Err(format!(
            "invalid module reference \"{spec}\": expected <host>/<owner>/<repo>/<path>[@<version>]"
        ));
    };
    if [host, owner, repo, path].iter().any(|p| p.is_empty()) || version.is_some_and(str::is_empty)
    {
        return Err(format!(
            "invalid module reference \"{spec}\": expected <host>/<owner>/<repo>/<path>[@<version>]"
        ));
    }
    let module = ModuleRef::Remote {
        host: (*host).to_owned(),
        owner: (*owner).to_owned(),
        repo: (*repo).to_owned(),
        path: (*path).to_owned(),
        version: version.map(str::to_owned),
    };
    let catalog_path = format!("{host}/{owner}/{repo}/{path}");
    if let Some(m) = catalog_path.strip_prefix(crate::catalog::PREFIX) {
        let tag = match version {
            None => Some(crate::catalog::DEFAULT_TAG),
            // A commit of the catalog repository whose module equals an embedded tag's gets it.
            Some(v) => crate::catalog::tag_index(v).or_else(|| crate::catalog::pinned_tag(m, v)),
        };
        if let Some(t) = tag
            && crate::catalog::variant_for(m, t).is_some()
        {
            return Ok(Target::Catalog {
                module: m.to_owned(),
                tag: t,
            });
        }
        let note = match (tag, crate::catalog::tag_range(m)) {
            // `load("…/stable/kaniko.star@0.0.7", …)`: Dispatch appends ".star" itself.
            (_, None)
                if m.strip_suffix(".star")
                    .is_some_and(|bare| crate::catalog::tag_range(bare).is_some()) =>
            {
                format!(
                    "a module path has no \".star\" suffix: write {}",
                    m.trim_end_matches(".star")
                )
            }
            (None, _) => format!(
                "the embedded catalog has versions {}",
                crate::catalog::TAGS.join(", ")
            ),
            (Some(_), Some(range)) => format!("the embedded catalog has {m} at {range}"),
            (Some(_), None) => format!("the embedded catalog has no module {m}"),
        };
        return Ok(Target::External {
            module,
            note: Some(note),
        });
    }
    Ok(Target::External { module, note: None })
}

pub(crate) fn module_from(m: &ModuleRef) -> From {
    match m {
        ModuleRef::Remote {
            host,
            owner,
            repo,
            version,
            ..
        } => From::Remote {
            host: host.clone(),
            owner: owner.clone(),
            repo: repo.clone(),
            version: version.clone(),
        },
        _ => From::Local,
    }
}

/// Why a load failed.
pub(crate) enum LoadFailure {
    /// A `load` error at the load statement.
    Message(String),
    /// A limit, at the load statement.
    Limit(LimitError),
    /// The module itself failed; its own diagnostics say where.
    Module(Vec<Diagnostic>),
}

pub(crate) fn check_symbols(
    m: &FrozenModule,
    symbols: &[&str],
    key: &str,
) -> Result<(), LoadFailure> {
    for s in symbols {
        if m.get_option(s).ok().flatten().is_none() {
            return Err(LoadFailure::Message(format!(
                "\"{s}\" is not exported by {key}"
            )));
        }
    }
    Ok(())
}

pub(crate) fn with_note(msg: String, note: Option<&str>) -> String {
    match note {
        Some(n) => format!("{msg}; {n}"),
        None => msg,
    }
}
