//! What starlark asks between operations: the wall-clock deadline and the heap cap of one
//! evaluation, through its public cancellation check.
//!
//! starlark counts a tick for every function call and loop iteration, and every thousand ticks
//! (and when a module or a function it was asked to call returns) it asks the evaluator's
//! cancellation check whether to stop. The check here stops the evaluation when the deadline has
//! passed or when the heap is over its cap as this crate counts it (twice the arena, plus the
//! bytes recorded outside it, which starlark's own heap limit does not see), and notes which
//! limit it was: starlark reports a cancellation without saying why. The error carries the
//! position of the call or the loop iteration that ticked.

use std::cell::Cell;
use std::time::Duration;

use crate::Clock;
use crate::budget::{Budget, LimitError, LimitValue};

/// The wall-clock budget of one evaluation: an injected clock, its reading at the start, and the
/// budget (`Limits::eval_timeout`; the library never reads the time on its own).
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

/// The cancellation check of one evaluator.
#[derive(Clone, Copy)]
pub(crate) struct Watch<'a> {
    pub(crate) deadline: Option<Deadline<'a>>,
    pub(crate) budget: &'a Budget,
    /// Where the check notes the limit that stopped the evaluation: the error that follows is
    /// that limit.
    pub(crate) stopped: &'a Cell<Option<LimitError>>,
}

impl Watch<'_> {
    /// Whether to stop, the arena holding `arena` bytes; notes why in `stopped`.
    ///
    /// It says so once: the error then carries the position of the tick that stopped, and
    /// starlark checks again when the module (or function) it was running returns, and an error
    /// of that check, which has no position, would replace it.
    pub(crate) fn cancel(&self, arena: usize) -> bool {
        if self.stopped.get().is_some() {
            return false;
        }
        let why = match self.deadline {
            Some(d) if d.expired() => Some(d.error()),
            _ => self
                .budget
                .fits(arena.saturating_mul(2), 0)
                .err()
                .map(LimitError::from),
        };
        match why {
            Some(l) => {
                self.stopped.set(Some(l));
                true
            }
            None => false,
        }
    }
}
