//! The Starlark frontend and the Dispatch standard library.
//!
//! A Dispatchfile is parsed and evaluated with the `starlark` crate inside the guards of `Limits`:
//! the source size, a token-level nesting estimate and the depth of brackets are checked before
//! parsing, the AST depth after it (explicit stack; see [`crate::nesting`]); starlark's own tick
//! limit spends the statement budget (a tick is a function call or a loop iteration; the
//! budget is shared by every module and `test_*` function), its call-stack limit bounds
//! recursion, its cancellation check reads the injected clock and checks the heap cap every
//! thousand ticks (see [`crate::watch`]), element guards check the heap cap for every
//! comprehension element, native calls that allocate check their result size first (below), and
//! the whole evaluation runs on a thread with a large stack whose panics become errors. The builtins write the main pipeline into a
//! per-evaluation [`crate::store::Store`], which becomes the [`Document`] at the end.
//!
//! # Size-checked native calls
//!
//! The cancellation check only looks every thousand ticks, but a single native call can allocate far
//! more than the heap cap in one go (`s.join(l)` reserves `max(len) × n` bytes up front; `str(l)`
//! of a list sharing one big string many times prints it every time), and when that allocation
//! fails Rust aborts the process. So every native call whose result can be much larger than its
//! inputs, or that copies its input and can be repeated inside one expression (a comprehension
//! element), first computes an upper bound of what it will allocate and fails with `limit
//! exceeded: starlark_max_heap_bytes` at the call when that bound plus `guard::reserved` (twice
//! the arena, plus what guarded calls made outside it) is over the cap. The bounds are in
//! `guard.rs`: cheap ones from lengths first, exact counts (using starlark's own `str.count`
//! and `len`) only when the cheap bound does not fit.
//!
//! | call | why it is guarded | bound |
//! |---|---|---|
//! | `a + b`, `a * n`, `a % b`, `a \| b` (`replace_binary_operators`) | concatenation, repetition, formatting, dict union; an int product has the digits of both factors (squaring in a recursive lambda doubles them each time) | result length; `%`: format plus every value printed once; int `*`: both factors' digits, kept outside the arena |
//! | `range` | materialising a huge range | length against the statement budget |
//! | `str`, `repr`, `print`, `fail` | printing shared sub-values repeats them | memoised size of the printed text (one walk that also checks nesting) |
//! | `list`, `tuple`, `sorted`, `reversed`, `enumerate`, `zip`, `dict`, `struct` | new containers from (possibly lazy) inputs | item count × bytes per item |
//! | `getattr` | hands out bound methods | returns a guarded bound method for the names below |
//! | str `join` | starlark's capacity guess `max(len(first two)) × n + len(sep) × (n − 1)` | that guess, or the result grown by doubling |
//! | str `replace` | growth per match (`""` matches between all characters) | exact result from the match count |
//! | str `format` | an argument can be used by every placeholder | placeholders × largest printed argument |
//! | str `split`, `rsplit`, `splitlines` | one new string per item | items × 48 bytes + text |
//! | str `elems`, `codepoints` (and `elem_ords`, `codepoint_ords`, absent from starlark 0.14) | their iterator materialises every item | items × 16 bytes (+ a string per non-ASCII character); checked again whenever the iterator is iterated |
//! | str `lower`, `upper`, `title`, `capitalize` | case mapping can triple a character's bytes | 3 × length (1 × for ASCII) |
//! | str `strip`, `lstrip`, `rstrip`, `removeprefix`, `removesuffix`, `partition`, `rpartition` | copies, repeatable in a comprehension | the receiver's length |
//! | list `extend` | the list's storage grows to hold both | both lengths |
//! | `x += e` (rewritten, below) | a list grows in place, a string or tuple is copied: `x += x` doubles `x` in one tick | both lengths; big ints: the longer one's digits, kept outside the arena |
//! | dict `items`, `keys`, `values` | a new list (of tuples) | entries × bytes per entry |
//! | dict `update`, `setdefault` (`d.setdefault(k, …)`, `d` a name, rewritten like `d[k] = v`) | new entries live outside the arena | `update`: one entry per pair and keyword before the call, what the dict gained recorded after it; `setdefault`: one entry when the key is new |
//! | `x *= n`, `x %= v`, `x \|= e` (rewritten, below) | `replace_binary_operators` does not reach augmented assignments: `l *= 1000000000` allocated 8 GB in one go | as `*` and `%`; `\|=`: the entries a dict gains in place |
//! | `x[a:b:c]` | a copy, repeatable in a comprehension | the length of `x` |
//! | comprehension elements and dict keys, index assignments `d[k] = v` (rewritten, below) | one statement can build millions of elements; dict entries live outside the arena however many statements add them; an element can be a new big int | `guard::DICT_ENTRY_BYTES` (128) per new dict entry, recorded outside the arena; a big int's digits |
//! | big-int `a + b`, `a * b`, `-a` (`-a` rewritten to `_dispatch_item[(-a):]`) | a big int's digits live outside the arena, so `l.append(-x)` in a loop grew unseen; a product's time grows with the product of the lengths and runs between two statements | the result's digits, recorded outside the arena; a product also spends (words × words) / 16 statements |
//! | `task`, `resource`, `action` | the pipeline copies every string wherever it is used | nodes and text, kept outside the heap until the end |
//!
//! Method calls cannot be intercepted in starlark 0.14 (builtin methods come from a static table
//! and the AST has no mutator besides `replace_binary_operators`), so the source text is rewritten
//! and parsed again ([`rewrite`]): `obj.join(…)` becomes `_dispatch_method(obj, "join", …)`, a bare
//! `obj.join` becomes `_dispatch_attr(obj, "join")`, slices become `_dispatch_slice(…)`,
//! comprehension elements, dict comprehension keys and index-assignment keys are wrapped in
//! `_dispatch_item[…]`, `_dispatch_entry[…]` and `_dispatch_key[…]`, and augmented `*=`, `%=`,
//! `|=` and `+=` go through `_dispatch_mul`, `_dispatch_percent`, `_dispatch_ior[…]` and
//! `_dispatch_iadd[…]` (see [`rewrite`]). The estimate applies only when the receiver is a builtin string, list or dict;
//! anything else (a struct with a `join` field) is called unchanged. Every position starlark
//! reports is mapped back to the text as written, so diagnostics are unchanged. Catalog modules
//! are rewritten the same way, since they run on the user's values; only calls with a guarded
//! name pay the extra native call.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use dispatchfile_model::{
    Code, Diagnostic, Document, Entry, FileId, Files, Limits, Node, Omitted, Span,
    Value as NodeValue,
};
use starlark::environment::{FrozenModule, Globals, Module};
use starlark::eval::Evaluator;
use starlark::syntax::AstModule;
use starlark::values::Value;
use starlark::values::structs::AllocStruct;
use starlark_syntax::syntax::ast::StmtP;

use crate::loader::{ModuleLoader, Printer};
use crate::{Clock, FrontendResult, Generation, Options};

use crate::budget::{LimitError, LimitValue};
use crate::errors::{error_message, limit_diag, limit_of, over_limit};
use crate::globals::{
    Forward, LEGACY_SUGAR, Loaded, catalog_closure, catalog_key, catalog_map, catalog_module,
    dialect, guarded_ast, guarded_operators, legacy_globals, modern_globals,
};
use crate::loading::{From, LoadFailure, Target, check_symbols, module_from, resolve, with_note};
use crate::nesting::MAX_NESTING_ESTIMATE;
use crate::store::CurrentStore;
use crate::store::Store;
use crate::watch::{Deadline, Watch};

/// How far beyond the statements left starlark's own tick limit lies: one period of its
/// infrequent checks (see `Session::setup`).
const TICK_MARGIN: u64 = 1000;

/// Stack bytes reserved per level of value nesting. Formatting and hashing recurse once per
/// level (up to about 180 bytes a level in release builds); nesting is bounded by the heap cap,
/// since each level is an allocation of at least 24 bytes.
#[cfg(not(target_family = "wasm"))]
const STACK_PER_LEVEL: usize = 256;

/// The evaluation thread's stack: enough for the deepest structure the heap cap allows (only
/// touched pages are committed), at least 64 MiB for the parser and the compiler.
#[cfg(not(target_family = "wasm"))]
fn stack_bytes(limits: &Limits) -> usize {
    (limits.starlark_max_heap_bytes / 24)
        .saturating_mul(STACK_PER_LEVEL)
        .clamp(64 << 20, 8 << 30)
}

/// Evaluates a Starlark Dispatchfile into a document.
pub(crate) fn evaluate(
    body: &str,
    file: FileId,
    name: &str,
    options: &Options<'_>,
    limits: &Limits,
    files: &mut Files,
    omitted: &mut Omitted,
) -> FrontendResult {
    let backup = files.clone();
    let taken = std::mem::take(files);
    let generation = options.generation;
    let loader = options.loader;
    let printer = options.printer;
    let clock = options.clock;
    let job = move || {
        run(
            body, file, name, generation, loader, printer, clock, limits, taken,
        )
    };
    if let Some((result, back, left_out)) = on_big_stack(limits, job) {
        *files = back;
        *omitted = left_out;
        result
    } else {
        *files = backup;
        Err(vec![
            Diagnostic::error(
                Code::Starlark,
                "internal error: the Starlark evaluation failed unexpectedly",
            )
            .at(Span::new(file, 0, 0)),
        ])
    }
}

/// Runs `f` on a thread with a large stack; a panic becomes `None`. When the system refuses
/// the reservation (a small address-space limit), a 64 MiB stack is used: the parser and the
/// compiler stay within it thanks to the nesting guards, and such a process cannot build
/// structures deep enough to need more.
#[cfg(not(target_family = "wasm"))]
fn on_big_stack<R: Send>(limits: &Limits, f: impl FnOnce() -> R + Send) -> Option<R> {
    let slot = Mutex::new(Some(f));
    let run = || slot.lock().ok().and_then(|mut s| s.take()).map(|f| f());
    std::thread::scope(|s| {
        for size in [stack_bytes(limits), 64 << 20] {
            let spawned = std::thread::Builder::new()
                .name("dispatch-starlark".to_owned())
                .stack_size(size)
                .spawn_scoped(s, run);
            if let Ok(handle) = spawned {
                return handle.join().ok().flatten();
            }
        }
        None
    })
}

/// Without threads, run in place; a panic becomes `None`.
#[cfg(target_family = "wasm")]
fn on_big_stack<R: Send>(_limits: &Limits, f: impl FnOnce() -> R + Send) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site, the job closure above"
)]
fn run(
    body: &str,
    file: FileId,
    name: &str,
    generation: Generation,
    loader: Option<&dyn ModuleLoader>,
    printer: Option<&dyn Printer>,
    clock: Option<&dyn Clock>,
    limits: &Limits,
    files: Files,
) -> (FrontendResult, Files, Omitted) {
    let store = Rc::new(Store::new(files, limits));
    store
        .sources
        .borrow_mut()
        .file_ids
        .insert(name.to_owned(), file);
    // The element guards find the store here (they are slices: starlark hands them no evaluator).
    let _current = CurrentStore::install(&store);
    let session = Session {
        store,
        loader,
        printer: Forward::new(printer, limits.starlark_max_print_bytes),
        // The wall-clock budget runs from here, across every module (`Limits::eval_timeout`).
        fallback: Cell::new(None),
        deadline: clock
            .zip(limits.eval_timeout)
            .map(|(clock, budget)| Deadline {
                clock,
                start: clock.now(),
                budget,
            }),
        limits,
        generation,
        cache: RefCell::new(HashMap::new()),
        loading: RefCell::new(Vec::new()),
        modules: RefCell::new(HashSet::new()),
    };
    let result = session.root(body, file, name);
    let built = session.store.pipeline.take();
    let sources = session.store.sources.take();
    let omitted = Omitted::new(0, built.omitted_warnings);
    let result = result.map(|doc| (doc, built.warnings));
    (result, sources.files, omitted)
}

// ---------------------------------------------------------------------------------------------
// The evaluation

struct Session<'a> {
    store: Rc<Store>,
    loader: Option<&'a dyn ModuleLoader>,
    printer: Forward<'a>,
    deadline: Option<Deadline<'a>>,
    /// Where an error without a position of its own is reported when no guarded native has been
    /// called (see `Session::fallback`): the last top-level statement of the module running, or
    /// the `test_*` function running. starlark checks its limits every thousand ticks and once
    /// more when a module or function returns, and an error of that last check, which has no
    /// position, replaces the one in flight.
    fallback: Cell<Option<Span>>,
    limits: &'a Limits,
    generation: Generation,
    /// Evaluated external modules by reference.
    cache: RefCell<HashMap<String, FrozenModule>>,
    /// References being loaded (to find cycles).
    loading: RefCell<Vec<String>>,
    /// Distinct modules loaded so far.
    modules: RefCell<HashSet<String>>,
}

/// A parsed module ready to run, or the diagnostics that stopped it.
type Prepared = Result<(AstModule, Loaded), Vec<Diagnostic>>;

impl Session<'_> {
    fn globals(&self) -> Result<&'static Globals, Vec<Diagnostic>> {
        match self.generation {
            Generation::Modern => Ok(modern_globals()),
            Generation::Legacy => legacy_globals().map_err(|e| {
                vec![Diagnostic::error(
                    Code::Starlark,
                    format!("internal error in the embedded catalog: {e}"),
                )]
            }),
        }
    }

    fn span(&self, fs: &starlark::codemap::FileSpan) -> Option<Span> {
        self.store.span(
            fs.file.filename(),
            fs.span.begin().get(),
            fs.span.end().get(),
        )
    }

    /// Parses `text` (code map name `key`, file `file`), applies the guards and loads its modules.
    fn prepare(&self, key: &str, file: FileId, text: &str, from: &From) -> Prepared {
        let whole = Span::new(file, 0, 0);
        if text.len() > self.limits.max_source_bytes {
            return Err(vec![limit_diag(
                "max_source_bytes",
                self.limits.max_source_bytes as u64,
                whole,
            )]);
        }
        if crate::nesting::nesting_estimate(text) > MAX_NESTING_ESTIMATE {
            return Err(vec![limit_diag(
                "max_depth",
                self.limits.max_depth as u64,
                whole,
            )]);
        }
        if let Some(at) = crate::nesting::bracket_over(text, self.limits.max_depth) {
            return Err(vec![limit_diag(
                "max_depth",
                self.limits.max_depth as u64,
                Span::new(file, at as u32, at as u32 + 1),
            )]);
        }
        // Tabs where go.starlark.net accepts them become spaces (see `tabs`); positions in
        // the normalized text lead back to the text as written.
        let normalized = crate::tabs::normalize(text);
        let text = match normalized {
            Some(r) => {
                self.store.set_tab_map(key, Arc::new(r.map));
                r.text
            }
            None => text.to_owned(),
        };
        let text = text.as_str();
        let ast = match AstModule::parse(key, text.to_owned(), &dialect()) {
            Ok(a) => a,
            Err(e) => return Err(vec![self.diagnostic(&e, Code::Parse)]),
        };
        let (depth, (start, end)) = crate::nesting::ast_depth(&ast);
        if depth > self.limits.max_depth {
            return Err(vec![limit_diag(
                "max_depth",
                self.limits.max_depth as u64,
                Span::new(
                    file,
                    self.store.untab(key, start),
                    self.store.untab(key, end),
                ),
            )]);
        }
        if let Some((name, (start, end))) = crate::reserved::first_reserved_binding(&ast) {
            return Err(vec![
                Diagnostic::error(
                    Code::Starlark,
                    format!(
                        "\"{name}\" is a reserved name (the Starlark frontend calls it in the code it runs); use another name"
                    ),
                )
                .at(Span::new(
                    file,
                    self.store.untab(key, start),
                    self.store.untab(key, end),
                )),
            ]);
        }
        // Method calls and slices go through guarded natives (see `rewrite`); the evaluated text
        // differs from `text`, and every position is mapped back.
        let (mut ast, map) = match guarded_ast(key, text, ast) {
            Ok(x) => x,
            Err((at, msg)) => {
                let at = self.store.untab(key, at as u32);
                return Err(vec![
                    Diagnostic::error(Code::Starlark, format!("internal error: {msg}"))
                        .at(Span::new(file, at, at)),
                ]);
            }
        };
        if let Some(map) = map {
            self.store.set_map(key, Arc::new(map));
        }
        ast.replace_binary_operators(&guarded_operators());
        let mut loaded = Loaded::default();
        let mut errors = Vec::new();
        for load in ast.loads() {
            let span = self.span(&load.span).unwrap_or(whole);
            let symbols: Vec<&str> = load.symbols.values().copied().collect();
            match self.load(load.module_id, &symbols, from) {
                Ok(m) => {
                    loaded.0.insert(load.module_id.to_owned(), m);
                }
                Err(msg) => {
                    let d = match msg {
                        LoadFailure::Message(m) => Diagnostic::error(Code::Load, m).at(span),
                        LoadFailure::Limit(l) => limit_diag(l.field, l.value, span),
                        LoadFailure::Module(mut ds) => {
                            errors.append(&mut ds);
                            continue;
                        }
                    };
                    errors.push(d);
                }
            }
        }
        if errors.is_empty() {
            Ok((ast, loaded))
        } else {
            Err(errors)
        }
    }

    /// Sets the limits, the cancellation check and the context every evaluator of this
    /// evaluation shares.
    fn setup<'a>(&'a self, eval: &mut Evaluator<'_, 'a, '_>, loaded: &'a Loaded) {
        eval.extra = Some(&*self.store);
        eval.set_loader(loaded);
        eval.set_print_handler(&self.printer);
        // GC is off: the heap cap bounds memory, and tracing deep structures would recurse.
        eval.disable_gc();
        // starlark's own limits. Its ticks are the statements: this evaluator may spend what
        // the shared budget has left. The guarded natives check the budget exactly, with the
        // ticks so far, before they run; `Session::settle` checks it when the evaluator has
        // finished. starlark's tick limit is the backstop of code that calls none of them (a
        // loop of assignments), `TICK_MARGIN` beyond the budget: an excess it finds has no
        // position (starlark checks again when the module returns, and that error replaces
        // the first), so it must not find the excess a native call has already reported.
        let _ = eval.set_max_tick_count(self.store.budget.left().saturating_add(TICK_MARGIN));
        let _ = eval.set_max_callstack_size(self.limits.starlark_max_call_depth.max(1));
        let _ = eval.set_max_heap_size(self.limits.starlark_max_heap_bytes.max(1));
        let watch = Watch {
            deadline: self.deadline,
            budget: &self.store.budget,
            stopped: &self.store.stopped,
        };
        let heap = eval.heap();
        eval.set_check_cancelled(Box::new(move || watch.cancel(heap.allocated_bytes())));
    }

    /// Settles the ticks of `eval`, which has finished, in the shared statement budget; refuses
    /// when the budget is over (at the fallback position: the excess has no place of its own).
    fn settle(&self, eval: &Evaluator<'_, '_, '_>) -> Result<(), Vec<Diagnostic>> {
        self.store.budget.settle(eval.get_total_tick_count());
        // A cancellation whose error a native call caught (it falls back to a bound) still ends
        // the evaluation.
        let over = self
            .store
            .stopped
            .get()
            .or_else(|| self.store.budget.within(0).err().map(LimitError::from));
        match over {
            None => Ok(()),
            Some(l) => {
                let mut d = limit_diag(l.field, l.value, Span::default());
                d.span = self.fallback();
                Err(vec![d])
            }
        }
    }

    /// Where an error without a position of its own is reported: the last guarded native call
    /// of the running module, or else the `fallback` statement.
    fn fallback(&self) -> Option<Span> {
        let last = self.store.last_call.borrow().clone();
        last.and_then(|fs| self.span(&fs))
            .or_else(|| self.fallback.get())
    }

    /// Sets the fallback position to the last top-level statement of `ast`.
    fn fall_back_to_the_end(&self, ast: &AstModule) {
        let last = match &ast.statement().node {
            StmtP::Statements(list) => list.last().map(|s| s.span),
            _ => Some(ast.statement().span),
        };
        self.fallback
            .set(last.and_then(|s| self.span(&ast.file_span(s))));
        self.store.last_call.take();
    }

    /// The Dispatchfile itself.
    fn root(&self, body: &str, file: FileId, name: &str) -> Result<Document, Vec<Diagnostic>> {
        let globals = self.globals()?;
        // The legacy sugar is catalog code too: what it creates belongs to the user's call.
        if self.generation == Generation::Legacy {
            for (id, _) in LEGACY_SUGAR {
                self.register_catalog(id);
            }
        }
        let (ast, loaded) = self.prepare(name, file, body, &From::Local)?;
        let tests = test_functions(&ast);
        let tests: Vec<(String, Option<Span>)> = tests
            .into_iter()
            .map(|(name, at)| (name, self.span(&ast.file_span(at))))
            .collect();
        self.fall_back_to_the_end(&ast);
        Module::with_temp_heap(|module| -> Result<(), Vec<Diagnostic>> {
            let mut eval = Evaluator::new(&module);
            self.setup(&mut eval, &loaded);
            eval.eval_module(ast, globals)
                .map_err(|e| vec![self.runtime_diagnostic(&e, &eval)])?;
            // Every top-level `test_*` runs once with an empty struct; changes to the
            // main pipeline are discarded.
            let saved = {
                let st = self.store.pipeline.borrow();
                (st.main.clone(), st.warnings.len(), st.omitted_warnings)
            };
            for (t, at) in &tests {
                let Some(f) = module.get(t) else { continue };
                self.fallback.set(*at);
                self.store.last_call.take();
                let ctx = eval.heap().alloc(AllocStruct(Vec::<(&str, Value)>::new()));
                eval.eval_function(f, &[ctx], &[])
                    .map_err(|e| vec![self.runtime_diagnostic(&e, &eval)])?;
            }
            let mut st = self.store.pipeline.borrow_mut();
            st.main = saved.0;
            st.warnings.truncate(saved.1);
            st.omitted_warnings = saved.2;
            drop(st);
            self.settle(&eval)
        })?;
        Ok(self.document(file, body.len()))
    }

    /// Registers the embedded catalog files of `id` and the ones it loads, so positions inside
    /// them resolve and calls are attributed to the user's code.
    fn register_catalog(&self, id: &'static str) {
        let mut ids = Vec::new();
        catalog_closure(id, &mut ids);
        for id in ids {
            if let Some(v) = crate::catalog::variant(id) {
                let key = catalog_key(id);
                self.store.add_file(&key, v.display, v.source, true);
                if let Some(map) = catalog_map(id) {
                    self.store.set_map(&key, map);
                }
            }
        }
    }

    /// Loads `spec` as written in a module of kind `from`, checking that it exports `symbols`.
    fn load(&self, spec: &str, symbols: &[&str], from: &From) -> Result<FrozenModule, LoadFailure> {
        let target = resolve(spec, from).map_err(LoadFailure::Message)?;
        match target {
            Target::Catalog { module, tag } => {
                self.count(&format!(
                    "{}{module}@{}",
                    crate::catalog::PREFIX,
                    crate::catalog::TAGS[tag]
                ))?;
                let variant = crate::catalog::variant_for(&module, tag)
                    .ok_or_else(|| LoadFailure::Message(format!("cannot load \"{spec}\"")))?;
                let exports = crate::catalog::exports(&module, tag);
                for s in symbols {
                    if !exports.contains(s) {
                        return Err(LoadFailure::Message(format!(
                            "\"{s}\" is not exported by {module}@{}{}",
                            crate::catalog::TAGS[tag],
                            crate::catalog::missing_hint(&module, tag, s)
                        )));
                    }
                }
                let frozen = catalog_module(variant.id).map_err(|e| {
                    LoadFailure::Message(format!("internal error in the embedded catalog: {e}"))
                })?;
                self.register_catalog(variant.id);
                Ok(frozen)
            }
            Target::External { module, note } => {
                let key = module.to_string();
                if let Some(m) = self.cache.borrow().get(&key) {
                    let m = m.clone();
                    check_symbols(&m, symbols, &key)?;
                    return Ok(m);
                }
                if self.loading.borrow().contains(&key) {
                    return Err(LoadFailure::Message(format!(
                        "load cycle: \"{key}\" loads itself"
                    )));
                }
                self.count(&key)?;
                let Some(loader) = self.loader else {
                    return Err(LoadFailure::Message(with_note(
                        format!("cannot load \"{key}\": no module loader"),
                        note.as_deref(),
                    )));
                };
                let source = loader
                    .load(&module)
                    .map_err(|e| LoadFailure::Message(with_note(e.message, note.as_deref())))?;
                let code_key = format!("<load:{key}>");
                let file = self
                    .store
                    .add_file(&code_key, &source.name, &source.text, false);
                self.loading.borrow_mut().push(key.clone());
                let result = self.module(&code_key, file, &source.text, &module_from(&module));
                self.loading.borrow_mut().pop();
                let frozen = result.map_err(LoadFailure::Module)?;
                self.cache.borrow_mut().insert(key.clone(), frozen.clone());
                check_symbols(&frozen, symbols, &key)?;
                Ok(frozen)
            }
        }
    }

    /// Counts a distinct module against `max_modules`.
    fn count(&self, key: &str) -> Result<(), LoadFailure> {
        let mut seen = self.modules.borrow_mut();
        if seen.contains(key) {
            return Ok(());
        }
        if seen.len() >= self.limits.max_modules {
            return Err(LoadFailure::Limit(LimitError {
                field: "max_modules",
                value: LimitValue::from(self.limits.max_modules as u64),
            }));
        }
        seen.insert(key.to_owned());
        Ok(())
    }

    /// Evaluates and freezes a loaded (non-catalog) module.
    fn module(
        &self,
        key: &str,
        file: FileId,
        text: &str,
        from: &From,
    ) -> Result<FrozenModule, Vec<Diagnostic>> {
        let globals = self.globals()?;
        let (ast, loaded) = self.prepare(key, file, text, from)?;
        self.fall_back_to_the_end(&ast);
        Module::with_temp_heap(|module| -> Result<FrozenModule, Vec<Diagnostic>> {
            {
                let mut eval = Evaluator::new(&module);
                self.setup(&mut eval, &loaded);
                eval.eval_module(ast, globals)
                    .map_err(|e| vec![self.runtime_diagnostic(&e, &eval)])?;
                self.settle(&eval)?;
            }
            module.freeze().map_err(|e| {
                vec![
                    Diagnostic::error(Code::Starlark, format!("cannot freeze the module: {e:?}"))
                        .at(Span::new(file, 0, 0)),
                ]
            })
        })
    }

    /// A positioned diagnostic for a Starlark error (`code` unless it is a limit).
    fn diagnostic(&self, e: &starlark::Error, code: Code) -> Diagnostic {
        self.diagnostic_over(e, code, None)
    }

    /// The diagnostic of an evaluation error of `eval`, whose counters tell starlark's own
    /// limits apart.
    fn runtime_diagnostic(&self, e: &starlark::Error, eval: &Evaluator<'_, '_, '_>) -> Diagnostic {
        self.diagnostic_over(
            e,
            Code::Starlark,
            over_limit(eval, &self.store.budget, self.limits),
        )
    }

    /// [`Session::diagnostic`], with the starlark limit `over` the evaluator found exceeded.
    fn diagnostic_over(
        &self,
        e: &starlark::Error,
        code: Code,
        over: Option<LimitError>,
    ) -> Diagnostic {
        let (mut primary, related) = self.error_spans(e);
        if primary.is_none() {
            primary = self.fallback();
        }
        let stopped = self.store.stopped.get();
        if let Some(l) = stopped.or_else(|| limit_of(e, self.limits, over)) {
            let mut d = limit_diag(l.field, l.value, primary.unwrap_or_default());
            d.span = primary;
            return d;
        }
        let mut d = Diagnostic::error(code, error_message(e)).at(primary);
        if let Some(r) = related {
            d = d.with_related(r, "inside the embedded catalog");
        }
        for note in self.call_stack_notes(e, primary) {
            d = d.with_note(note);
        }
        d
    }

    /// The call stack of a runtime error, one note per call of a Starlark function, outermost
    /// first (like a Python traceback): `in f, called at Dispatchfile:9:1`. Calls of built-in
    /// functions and the call the error is already reported at are left out.
    fn call_stack_notes(&self, e: &starlark::Error, primary: Option<Span>) -> Vec<String> {
        let mut notes = Vec::new();
        for f in &e.call_stack().frames {
            if f.name.starts_with('<') {
                continue;
            }
            let Some(span) = f.location.as_ref().and_then(|fs| self.span(fs)) else {
                continue;
            };
            if Some(span) == primary {
                continue;
            }
            let st = self.store.sources.borrow();
            let (Some(file), Some(pos)) = (st.files.get(span.file), st.files.position(span)) else {
                continue;
            };
            notes.push(format!(
                "in {}, called at {}:{}:{}",
                f.name,
                file.name(),
                pos.line,
                pos.column
            ));
        }
        notes
    }

    /// Where an error is reported: the innermost position outside the embedded catalog (a
    /// catalog function failing on a user's argument is reported at the user's call), plus the
    /// catalog position when they differ.
    fn error_spans(&self, e: &starlark::Error) -> (Option<Span>, Option<Span>) {
        let is_catalog = |name: &str| self.store.sources.borrow().catalog.contains(name);
        let own = e
            .span()
            .and_then(|fs| self.span(fs).map(|s| (s, is_catalog(fs.file.filename()))));
        match own {
            Some((s, false)) => (Some(s), None),
            Some((inner, true)) => {
                let outer = e
                    .call_stack()
                    .frames
                    .iter()
                    .rev()
                    .filter_map(|f| f.location.as_ref())
                    .find(|fs| !is_catalog(fs.file.filename()))
                    .and_then(|fs| self.span(fs));
                match outer {
                    Some(o) => (Some(o), Some(inner)),
                    None => (Some(inner), None),
                }
            }
            None => {
                let outer = e
                    .call_stack()
                    .frames
                    .iter()
                    .rev()
                    .filter_map(|f| f.location.as_ref())
                    .find_map(|fs| self.span(fs));
                (outer, None)
            }
        }
    }

    /// The main pipeline as a document with data-format keys.
    fn document(&self, file: FileId, len: usize) -> Document {
        let st = self.store.pipeline.borrow();
        let p = &st.main;
        let whole = Span::new(file, 0, len as u32);
        let mut entries = Vec::new();
        let map = |elements: &[crate::store::Element]| {
            let items: Vec<Entry> = elements
                .iter()
                .map(|e| Entry {
                    key: e.name.clone(),
                    key_span: e.call,
                    value: e.node.clone(),
                })
                .collect();
            let span = elements.first().map_or(whole, |e| e.call);
            (span, Node::new(NodeValue::Object(items), whole))
        };
        if !p.resources.is_empty() {
            let (span, node) = map(&p.resources);
            entries.push(Entry {
                key: "resource".to_owned(),
                key_span: span,
                value: node,
            });
        }
        if !p.tasks.is_empty() {
            let (span, node) = map(&p.tasks);
            entries.push(Entry {
                key: "task".to_owned(),
                key_span: span,
                value: node,
            });
        }
        if !p.actions.is_empty() {
            let span = p.actions.first().map_or(whole, |n| n.span);
            entries.push(Entry {
                key: "actions".to_owned(),
                key_span: span,
                value: Node::new(NodeValue::Array(p.actions.clone()), whole),
            });
        }
        Document {
            root: Node::new(NodeValue::Object(entries), whole),
        }
    }
}

/// Names of top-level `def test_*` functions, in definition order, with where they are defined.
fn test_functions(ast: &AstModule) -> Vec<(String, starlark::codemap::Span)> {
    let mut out = Vec::new();
    let top: Vec<&starlark_syntax::syntax::ast::AstStmt> = match &ast.statement().node {
        StmtP::Statements(list) => list.iter().collect(),
        _ => vec![ast.statement()],
    };
    for s in top {
        if let StmtP::Def(def) = &s.node {
            let name = def.name.ident.as_str();
            if name.starts_with("test_") && !out.iter().any(|(n, _)| n == name) {
                out.push((name.to_owned(), s.span));
            }
        }
    }
    out
}
