//! The statement hook and the wall-clock deadline of one evaluation.

use std::rc::Rc;
use std::time::Duration;

use starlark::codemap::FileSpanRef;
use starlark::eval::{BeforeStmtFuncDyn, Evaluator};

use crate::Clock;
use crate::guard::{LimitError, LimitValue, refused};
use crate::value::Store;

/// The wall-clock budget of one evaluation: an injected clock, its reading at the start, and the
/// budget (`Limits::eval_timeout`; the library never reads the time on its own). Starlark asks
/// [`Deadline::expired`] through its cancellation check, every thousand function calls or loop
/// iterations.
#[derive(Clone, Copy)]
pub(crate) struct Deadline<'a> {
    pub(crate) clock: &'a dyn Clock,
    pub(crate) start: Duration,
    pub(crate) budget: Duration,
}

impl Deadline<'_> {
    /// Whether the budget is spent.
    pub(crate) fn expired(&self) -> bool {
        self.clock.now().saturating_sub(self.start) > self.budget
    }

    /// The limit error of a spent budget.
    pub(crate) fn error(&self) -> LimitError {
        LimitError {
            field: "eval_timeout",
            value: LimitValue::Time(self.budget),
        }
    }
}

/// Runs before every statement of code compiled while it is installed: spends the statement
/// budget (all modules share it) and checks the heap cap, so runaway loops and doubling end with
/// `limit exceeded` at the statement that crossed the line.
pub(crate) struct StatementHook {
    /// The evaluation's store (the hook runs before every statement and after every call: it
    /// does not look the store up each time).
    store: Rc<Store>,
}

impl StatementHook {
    pub(crate) fn new(store: Rc<Store>) -> StatementHook {
        StatementHook { store }
    }
}

impl<'e> BeforeStmtFuncDyn<'e> for StatementHook {
    fn call<'v>(
        &mut self,
        span: FileSpanRef,
        continued: bool,
        eval: &mut Evaluator<'v, '_, 'e>,
    ) -> starlark::Result<()> {
        let store = &*self.store;
        // Errors without a position of their own (limits found between operations) are
        // reported at the statement that was running. The hook runs before every statement and
        // after every call, so the code map (an `Arc`) is cloned only when the file changes.
        {
            let mut last = store.last_statement.borrow_mut();
            match &mut *last {
                Some(at) if at.file.id() == span.file.id() => at.span = span.span,
                other => *other = Some(span.to_file_span()),
            }
        }
        if !continued {
            store.budget.spend(1).map_err(refused)?;
        }
        // `reserved`, without looking the store up again.
        let arena = eval.heap().allocated_bytes().saturating_mul(2);
        store.budget.fits(arena, 0).map_err(refused)
    }
}
