//! The per-evaluation store the builtins share: the sources (files, code map names, the maps
//! back to the text as written), the main pipeline being built, and the budget.
#![allow(
    unsafe_code,
    unused_qualifications,
    reason = "starlark's derives (ProvidesStaticType, Trace, NoSerialize) expand to `unsafe impl`; no unsafe is written here"
)]

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use dispatchfile_model::{Code, Diagnostic, FileId, Files, Node, Span};
use starlark::any::ProvidesStaticType;
use starlark::eval::Evaluator;

use crate::budget::{Budget, LimitError, LimitValue, Refused};
use crate::rewrite::OffsetMap;

// ---------------------------------------------------------------------------------------------
// The per-evaluation store

/// What a `task()`, `resource()` or `action()` call adds to the main pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    Task,
    Resource,
    Action,
}

/// One named element of the main pipeline: where `task()`/`resource()` was called and its tree.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) call: Span,
    pub(crate) node: Node,
}

/// The main pipeline as built so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct MainPipeline {
    pub(crate) resources: Vec<Element>,
    pub(crate) tasks: Vec<Element>,
    pub(crate) actions: Vec<Node>,
    /// The place of each name in `resources` and in `tasks`: a redefinition is found in O(1)
    /// (a scan of the list made 40,000 `task()` calls take seconds).
    resource_index: HashMap<String, usize>,
    task_index: HashMap<String, usize>,
}

/// The sources of one evaluation: every file spans point into, and the way back from what
/// starlark parsed to what the author wrote.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    /// Every source text spans point into (moved in from the caller and back out at the end).
    pub(crate) files: Files,
    /// Starlark file names (code map names) to file ids.
    pub(crate) file_ids: HashMap<String, FileId>,
    /// Code map names of embedded catalog modules (skipped when attributing a call).
    pub(crate) catalog: HashSet<String>,
    /// Code map names of rewritten sources → the map back to what was written.
    pub(crate) maps: HashMap<String, Arc<OffsetMap>>,
    /// Code map names of sources whose tabs were replaced before parsing (see `tabs`) → the map
    /// back to what was written; applied after `maps`.
    pub(crate) tab_maps: HashMap<String, Arc<OffsetMap>>,
}

/// The main pipeline being built, and the warnings building it gave.
#[derive(Debug, Default)]
pub(crate) struct PipelineBuilder {
    /// The main pipeline.
    pub(crate) main: MainPipeline,
    /// Warnings (`redefined`), at most `Limits::max_diagnostics_per_code` of them.
    pub(crate) warnings: Vec<Diagnostic>,
    /// `redefined` warnings counted but not kept in `warnings`.
    pub(crate) omitted_warnings: usize,
    /// The last redefinition reported: kind, name, call and earlier call. A loop that repeats
    /// one is reported once (the copies would be identical), not counted past the cap.
    last_redefined: Option<(&'static str, String, Span, Span)>,
}

/// What the builtins share during one evaluation: the sources, the main pipeline being built
/// (here, not in a frozen global, so every module writes into the same pipeline) and the
/// budget.
#[derive(Debug, ProvidesStaticType)]
pub(crate) struct Store {
    pub(crate) sources: RefCell<Sources>,
    pub(crate) pipeline: RefCell<PipelineBuilder>,
    pub(crate) limits: dispatchfile_model::Limits,
    /// The statement budget and the bytes charged outside the Starlark arena (part of what the
    /// heap cap checks: `guard::reserved`).
    pub(crate) budget: Budget,
    /// The first limit a check stopped the evaluation at (a guard, the cancellation check):
    /// the error that follows is that limit, and the cancellation check says nothing more (see
    /// `watch`).
    pub(crate) stopped: std::cell::Cell<Option<LimitError>>,
    /// Where the last guarded native was called in the running module or function: errors
    /// without a position of their own are reported there.
    pub(crate) last_call: RefCell<Option<starlark::codemap::FileSpan>>,
    /// Bytes of text (keys, strings, numbers) in the pipeline's nodes so far, for
    /// `max_document_bytes`; an element recorded twice under one name counts twice.
    pub(crate) text: std::cell::Cell<usize>,
}

impl Store {
    /// A store for one evaluation.
    pub(crate) fn new(files: Files, limits: &dispatchfile_model::Limits) -> Store {
        Store {
            sources: RefCell::new(Sources {
                files,
                ..Sources::default()
            }),
            pipeline: RefCell::new(PipelineBuilder::default()),
            limits: limits.clone(),
            budget: Budget::new(limits),
            stopped: std::cell::Cell::new(None),
            last_call: RefCell::new(None),
            text: std::cell::Cell::new(0),
        }
    }

    /// The store of the running evaluation, if any.
    pub(crate) fn get<'a>(eval: &Evaluator<'_, 'a, '_>) -> Option<&'a Store> {
        eval.extra.and_then(|e| e.downcast_ref::<Store>())
    }

    /// Registers a source text under its code map name and returns its id.
    pub(crate) fn add_file(&self, name: &str, display: &str, text: &str, catalog: bool) -> FileId {
        let mut st = self.sources.borrow_mut();
        if let Some(id) = st.file_ids.get(name) {
            return *id;
        }
        let id = st.files.add(display, text);
        st.file_ids.insert(name.to_owned(), id);
        if catalog {
            st.catalog.insert(name.to_owned());
        }
        id
    }

    /// Records that the code of `name` was rewritten; `map` leads back to its source.
    pub(crate) fn set_map(&self, name: &str, map: Arc<OffsetMap>) {
        self.sources.borrow_mut().maps.insert(name.to_owned(), map);
    }

    /// Records that the tabs of `name` were replaced before parsing; `map` leads back to its source.
    pub(crate) fn set_tab_map(&self, name: &str, map: Arc<OffsetMap>) {
        self.sources
            .borrow_mut()
            .tab_maps
            .insert(name.to_owned(), map);
    }

    /// A position of the tab-normalized text of `name` in the text as written.
    pub(crate) fn untab(&self, name: &str, at: u32) -> u32 {
        self.sources
            .borrow()
            .tab_maps
            .get(name)
            .map_or(at, |m| m.begin(at))
    }

    /// Our span for a Starlark file span: positions in a rewritten text are mapped back to the
    /// source the author wrote.
    pub(crate) fn span(&self, file: &str, begin: u32, end: u32) -> Option<Span> {
        let st = self.sources.borrow();
        let id = st.file_ids.get(file)?;
        let (mut begin, mut end) = match st.maps.get(file) {
            Some(m) => (m.begin(begin), m.end(end).max(m.begin(begin))),
            None => (begin, end),
        };
        if let Some(m) = st.tab_maps.get(file) {
            (begin, end) = (m.begin(begin), m.end(end).max(m.begin(begin)));
        }
        Some(Span::new(*id, begin, end))
    }

    /// Where the running builtin was called from: the innermost frame outside the embedded
    /// catalog (a catalog function's work is attributed to the user's call of it).
    ///
    /// starlark inlines a function whose body is `return f(…)` (the catalog's `gitResource`):
    /// the call of such a function then has no frame of its own, only an inlined one, which
    /// [`Evaluator::call_stack`] lists (its frames run outermost first).
    pub(crate) fn origin(&self, eval: &Evaluator<'_, '_, '_>) -> Option<Span> {
        let mut first = None;
        for frame in eval.call_stack().frames.iter().rev() {
            let Some(loc) = &frame.location else {
                continue;
            };
            let name = loc.file.filename();
            let span = self.span(name, loc.span.begin().get(), loc.span.end().get());
            if first.is_none() {
                first = span;
            }
            if span.is_some() && !self.sources.borrow().catalog.contains(name) {
                return span;
            }
        }
        first
    }

    /// Adds a task, resource or action to the main pipeline.
    pub(crate) fn record(&self, kind: Added, name: Option<String>, call: Span, node: Node) {
        let mut st = self.pipeline.borrow_mut();
        let st = &mut *st;
        let p = &mut st.main;
        let (list, index, what) = match kind {
            Added::Task => (&mut p.tasks, &mut p.task_index, "task"),
            Added::Resource => (&mut p.resources, &mut p.resource_index, "resource"),
            Added::Action => {
                p.actions.push(node);
                return;
            }
        };
        let name = name.unwrap_or_default();
        if let Some(prev) = index.get(&name).and_then(|&i| list.get_mut(i)) {
            // A redefinition replaces the earlier one, with a warning at both calls (the first
            // `max_diagnostics_per_code` of them; the others are counted).
            let same = st.last_redefined.as_ref().is_some_and(|(w, n, c, p)| {
                *w == what && *n == name && *c == call && *p == prev.call
            });
            if same {
                // The same warning again (a loop): sorting would drop the copy anyway.
            } else if st.warnings.len() < self.limits.max_diagnostics_per_code {
                st.warnings.push(
                    Diagnostic::warning(Code::Redefined, format!("{what} \"{name}\" is defined again; this definition replaces the earlier one"))
                        .at(call)
                        .with_related(prev.call, "first defined here"),
                );
            } else {
                st.omitted_warnings += 1;
            }
            if !same {
                st.last_redefined = Some((what, name.clone(), call, prev.call));
            }
            prev.call = call;
            prev.node = node;
        } else {
            index.insert(name.clone(), list.len());
            list.push(Element { name, call, node });
        }
    }
}

/// The error of a limit a check found exceeded. The evaluation's store notes it (the first
/// one): the error then stops the evaluation, and the cancellation check, which would report it
/// again without a position, keeps quiet.
pub(crate) fn limit_error(l: LimitError) -> starlark::Error {
    let _ = CURRENT.try_with(|current| {
        if let Some(store) = current.borrow().as_deref()
            && store.stopped.get().is_none()
        {
            store.stopped.set(Some(l));
        }
    });
    starlark::Error::new_native(l)
}

/// The error of a charge the budget refused.
pub(crate) fn refused(r: Refused) -> starlark::Error {
    limit_error(LimitError::from(r))
}

pub(crate) fn limit(field: &'static str, value: usize) -> starlark::Error {
    limit_error(LimitError {
        field,
        value: LimitValue::from(value as u64),
    })
}

thread_local! {
    /// The store of the evaluation running on this thread. The element guards are slices (see
    /// `rewrite`), and starlark hands a slice no evaluator, only its heap.
    static CURRENT: RefCell<Option<Rc<Store>>> = const { RefCell::new(None) };
}

/// Makes a store the current one of this thread until it is dropped; then the previous one (none,
/// unless evaluations nest) is current again.
pub(crate) struct CurrentStore(Option<Rc<Store>>);

impl CurrentStore {
    pub(crate) fn install(store: &Rc<Store>) -> CurrentStore {
        CurrentStore(CURRENT.with(|c| c.replace(Some(Rc::clone(store)))))
    }
}

impl Drop for CurrentStore {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CURRENT.try_with(|c| c.replace(previous));
    }
}

/// Runs `f` with the store of the evaluation running on this thread, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Store>) -> R) -> R {
    CURRENT.with(|current| f(current.borrow().as_deref()))
}
