//! The predeclared names of Dispatchfiles and the embedded catalog modules, built once per
//! process from constants, and the guarded syntax tree both are evaluated from.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use starlark::PrintHandler;
use starlark::environment::{FrozenModule, Globals, GlobalsBuilder, LibraryExtension, Module};
use starlark::eval::{Evaluator, FileLoader};
use starlark::syntax::{AstModule, Dialect};
use starlark::values::FrozenValue;

use crate::Printer;
use crate::compare::Op;
use crate::errors::error_message;
use crate::message::Constructor;
use crate::rewrite::OffsetMap;
use crate::schema::{COREV1, METAV1, P, Registry};
use crate::value::{Builtin, Kind};

/// The Starlark dialect of Dispatchfiles and modules: nested `def`, `lambda`,
/// top-level `if`/`for`, keyword-only parameters; no f-strings, no type annotations; loaded
/// symbols are not re-exported (as in Go Starlark, which Dispatch used).
pub(crate) fn dialect() -> Dialect {
    Dialect {
        enable_top_level_stmt: true,
        enable_keyword_only_arguments: true,
        enable_load_reexport: false,
        ..Dialect::Standard
    }
}

/// The Starlark library of Dispatchfiles: the standard functions plus `struct` and `print`.
pub(crate) const EXTENSIONS: [LibraryExtension; 2] =
    [LibraryExtension::StructType, LibraryExtension::Print];

/// The unguarded originals of the functions the guards wrap.
pub(crate) fn originals() -> &'static Globals {
    static ORIGINALS: OnceLock<Globals> = OnceLock::new();
    ORIGINALS.get_or_init(|| GlobalsBuilder::extended_by(&EXTENSIONS).build())
}

pub(crate) fn original(name: &str) -> Option<FrozenValue> {
    originals().iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Standard functions called through a size check (see the module documentation).
pub(crate) const GUARDED_GLOBALS: [&str; 15] = [
    "str",
    "repr",
    "int",
    "print",
    "fail",
    "list",
    "tuple",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "dict",
    "struct",
    "min",
    "max",
];

/// Operators evaluated by guarded natives: `replace_binary_operators` turns `a + b` into
/// `_dispatch_add(a, b)`. The comparison operators go the same way (see [`guarded_operators`]).
pub(crate) const GUARDED_OPERATORS: [(&str, &str); 4] = [
    ("+", "_dispatch_add"),
    ("*", "_dispatch_mul"),
    ("%", "_dispatch_percent"),
    ("|", "_dispatch_or"),
];

/// Every operator `replace_binary_operators` turns into a call, with the native it calls:
/// [`GUARDED_OPERATORS`] and the comparisons of [`crate::compare`].
pub(crate) fn guarded_operators() -> HashMap<String, String> {
    GUARDED_OPERATORS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .chain(
            Op::ALL
                .iter()
                .map(|op| (op.symbol().to_owned(), op.native().to_owned())),
        )
        .collect()
}

pub(crate) fn builder() -> GlobalsBuilder {
    let reg = Registry::get();
    let mut b = GlobalsBuilder::extended_by(&EXTENSIONS);
    let builtin = |kind| Builtin { kind, inner: None };
    b.set("task", builtin(Kind::Task));
    b.set("resource", builtin(Kind::Resource));
    b.set("action", builtin(Kind::Action));
    b.set("_dispatch_add", builtin(Kind::Add));
    b.set("_dispatch_mul", builtin(Kind::Mul));
    b.set("_dispatch_percent", builtin(Kind::Percent));
    b.set("_dispatch_or", builtin(Kind::Union));
    b.set("_dispatch_method", builtin(Kind::Method));
    b.set("_dispatch_attr", builtin(Kind::Attr));
    b.set("_dispatch_slice", builtin(Kind::Slice));
    b.set("_dispatch_missing", builtin(Kind::Missing));
    b.set("_dispatch_item", builtin(Kind::Item));
    b.set("_dispatch_entry", builtin(Kind::Entry));
    b.set("_dispatch_key", builtin(Kind::Key));
    b.set("_dispatch_ior", builtin(Kind::OrInto));
    b.set("_dispatch_iadd", builtin(Kind::AddInto));
    for op in Op::ALL {
        b.set(op.native(), builtin(Kind::Compare(op)));
    }
    b.set(
        "range",
        Builtin {
            kind: Kind::Range,
            inner: original("range"),
        },
    );
    b.set(
        "getattr",
        Builtin {
            kind: Kind::GetAttr,
            inner: original("getattr"),
        },
    );
    for name in GUARDED_GLOBALS {
        b.set(
            name,
            Builtin {
                kind: Kind::Global(name),
                inner: original(name),
            },
        );
    }
    let ns = |b: &mut GlobalsBuilder, name: &str| {
        for s in reg.namespace(name) {
            b.set(s.short(), Constructor { schema: s });
        }
    };
    b.namespace("p", |b| ns(b, P));
    b.namespace("k8s", |b| {
        b.namespace("corev1", |b| ns(b, COREV1));
        b.namespace("metav1", |b| ns(b, METAV1));
        b.set("resource_quantity", builtin(Kind::ResourceQuantity));
    });
    b.namespace("v1", |b| ns(b, COREV1));
    b
}

/// The predeclared names of every generation, and of catalog modules.
pub(crate) fn modern_globals() -> &'static Globals {
    static MODERN: OnceLock<Globals> = OnceLock::new();
    MODERN.get_or_init(|| builder().build())
}

/// The legacy sugar of `#!starlark` and versions below v0.5: catalog tag 0.0.1 behaviour.
pub(crate) const LEGACY_SUGAR: [(&str, &[&str]); 2] = [
    (
        "pipeline_0_0_1",
        &[
            "gitResource",
            "imageResource",
            "storageResource",
            "push",
            "tag",
            "pullRequest",
            "secretVar",
            "volume",
            "resourceVar",
            "clean",
        ],
    ),
    ("docker_0_0_1", &["dindTask"]),
];

pub(crate) fn legacy_globals() -> Result<&'static Globals, String> {
    static LEGACY: OnceLock<Result<Globals, String>> = OnceLock::new();
    LEGACY
        .get_or_init(|| {
            let mut b = builder();
            for (id, names) in LEGACY_SUGAR {
                let module = catalog_module(id)?;
                for n in names {
                    let v = module.get(n).map_err(|e| format!("{id}: {e}"))?;
                    let frozen = v.owned_value(b.frozen_heap()).unpack_frozen();
                    if let Some(f) = frozen {
                        b.set(n, f);
                    }
                }
            }
            Ok(b.build())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The code map name of a catalog variant.
pub(crate) fn catalog_key(id: &str) -> String {
    format!("<catalog:{id}>")
}

/// A catalog variant, evaluated once per process and frozen. Catalog modules only define
/// functions; everything they do happens when a Dispatchfile calls them, inside its evaluation.
/// Their method calls are rewritten like a Dispatchfile's (they run on the user's values), so the
/// cache also keeps the map back to the catalog source.
pub(crate) fn catalog_module(id: &str) -> Result<FrozenModule, String> {
    catalog_entry(id).map(|(m, _)| m)
}

/// The map from the evaluated text of a catalog variant back to its source, once it is loaded.
pub(crate) fn catalog_map(id: &str) -> Option<Arc<OffsetMap>> {
    catalog_cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(id)
        .and_then(|(_, map)| map.clone())
}

/// Frozen catalog variants and their offset maps, by id.
pub(crate) type CatalogCache = Mutex<HashMap<String, (FrozenModule, Option<Arc<OffsetMap>>)>>;

pub(crate) fn catalog_cache() -> &'static CatalogCache {
    static CACHE: OnceLock<CatalogCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

pub(crate) fn catalog_entry(id: &str) -> Result<(FrozenModule, Option<Arc<OffsetMap>>), String> {
    let cache = catalog_cache();
    if let Some(entry) = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(id)
    {
        return Ok(entry.clone());
    }
    let variant =
        crate::catalog::variant(id).ok_or_else(|| format!("no embedded catalog file {id}"))?;
    let key = catalog_key(id);
    let ast = AstModule::parse(&key, variant.source.to_owned(), &dialect())
        .map_err(|e| format!("{id}: {e}"))?;
    let (ast, map) =
        guarded_ast(&key, variant.source, ast).map_err(|(_, e)| format!("{id}: {e}"))?;
    let map = map.map(Arc::new);
    let mut loads = Loaded::default();
    for load in ast.loads() {
        let dep = load
            .module_id
            .strip_prefix("catalog:")
            .ok_or_else(|| format!("{id}: bad load"))?;
        loads
            .0
            .insert(load.module_id.to_owned(), catalog_module(dep)?);
    }
    let frozen = Module::with_temp_heap(|module| -> Result<FrozenModule, String> {
        {
            let mut eval = Evaluator::new(&module);
            eval.set_loader(&loads);
            eval.eval_module(ast, modern_globals())
                .map_err(|e| format!("{id}: {e}"))?;
        }
        module.freeze().map_err(|e| format!("{id}: {e:?}"))
    })?;
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(id.to_owned(), (frozen.clone(), map.clone()));
    Ok((frozen, map))
}

/// Rewrites the guarded method calls and slices of `text` (parsed as `ast`) and parses the result
/// (see [`rewrite`]); returns the AST to evaluate and, when something was rewritten, the map back
/// to `text`. The error is an original position and a message; it means a bug, since the parser
/// accepted `text`.
pub(crate) fn guarded_ast(
    key: &str,
    text: &str,
    ast: AstModule,
) -> Result<(AstModule, Option<OffsetMap>), (usize, String)> {
    let rewritten = crate::rewrite::rewrite(text, &ast)
        .map_err(|e| (e.0, "cannot rewrite this expression".to_owned()))?;
    let Some(r) = rewritten else {
        return Ok((ast, None));
    };
    drop(ast);
    match AstModule::parse(key, r.text, &dialect()) {
        Ok(a) => Ok((a, Some(r.map))),
        Err(e) => {
            let at = e
                .span()
                .map_or(0, |fs| r.map.begin(fs.span.begin().get()) as usize);
            Err((
                at,
                format!("the rewritten text does not parse: {}", error_message(&e)),
            ))
        }
    }
}

/// The catalog variants `id` loads, itself included, transitively.
pub(crate) fn catalog_closure(id: &'static str, out: &mut Vec<&'static str>) {
    if out.contains(&id) {
        return;
    }
    out.push(id);
    let Some(v) = crate::catalog::variant(id) else {
        return;
    };
    for part in v.source.split("load(\"catalog:").skip(1) {
        let dep = part.split('"').next().unwrap_or("");
        if let Some(d) = crate::catalog::variant(dep) {
            catalog_closure(d.id, out);
        }
    }
}

/// Loaded modules by the string written in `load()`.
#[derive(Default)]
pub(crate) struct Loaded(pub(crate) HashMap<String, FrozenModule>);

impl FileLoader for Loaded {
    fn load(&self, path: &str) -> starlark::Result<FrozenModule> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| crate::message::err(format!("cannot load \"{path}\"")))
    }
}

/// Hands `print()` output to the embedder's [`Printer`], or drops it: a library does not write
/// to standard output. At most `Limits::starlark_max_print_bytes` reach the printer; the first
/// call past that gets one notice instead, and later calls nothing.
pub(crate) struct Forward<'a> {
    printer: Option<&'a dyn Printer>,
    /// Bytes the printer may still be handed.
    left: Cell<usize>,
    /// Set once the notice has been given.
    cut: Cell<bool>,
    limit: usize,
}

impl<'a> Forward<'a> {
    pub(crate) fn new(printer: Option<&'a dyn Printer>, limit: usize) -> Self {
        Forward {
            printer,
            left: Cell::new(limit),
            cut: Cell::new(false),
            limit,
        }
    }
}

impl PrintHandler for Forward<'_> {
    fn println(&self, text: &str) -> starlark::Result<()> {
        let Some(p) = self.printer else {
            return Ok(());
        };
        if self.cut.get() {
            return Ok(());
        }
        // The text and its line end.
        let cost = text.len().saturating_add(1);
        if let Some(left) = self.left.get().checked_sub(cost) {
            self.left.set(left);
            p.print(text);
        } else {
            self.cut.set(true);
            p.print(&format!(
                "print() output beyond starlark_max_print_bytes ({}) is dropped",
                self.limit
            ));
        }
        Ok(())
    }
}
