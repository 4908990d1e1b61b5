//! Diagnostic codes: what a [`Diagnostic`](crate::Diagnostic) is about, as data.

use std::fmt;
use std::str::FromStr;

use crate::error::ErrorKind;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $kind:ident, )*) => {
        /// The code of a diagnostic: a stable name such as `undefined-task`, printed between
        /// brackets (`error[undefined-task]: …`) and in `--message-format json`.
        ///
        /// Match on it instead of on message text; new codes may be added in minor releases.
        /// [`Code::as_str`] gives the printed name, [`Code::kind`] the broad [`ErrorKind`].
        ///
        /// ```
        /// use dispatchfile_model::{Code, ErrorKind};
        /// let code: Code = "undefined-task".parse().expect("a known code");
        /// assert_eq!(code, Code::UndefinedTask);
        /// assert_eq!(code.kind(), ErrorKind::Validation);
        /// assert_eq!(code.to_string(), "undefined-task");
        /// ```
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of this list.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The printed name (`undefined-task`).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $name, )*
                }
            }

            /// The broad kind of problem.
            #[must_use]
            pub const fn kind(self) -> ErrorKind {
                match self {
                    $( Code::$variant => ErrorKind::$kind, )*
                }
            }

            /// The code printed as `name`, if there is one.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Code> {
                match name {
                    $( $name => Some(Code::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// The text is not well-formed in its format (JSON, YAML, CUE or Starlark syntax, UTF-8).
    Parse = "parse" => Syntax,
    /// The `#!` selector line names no known format.
    UnknownFormat = "unknown-format" => Syntax,
    /// A key appears twice in one object.
    DuplicateKey = "duplicate-key" => Syntax,
    /// A glob pattern is malformed, or (as a warning) can never match.
    InvalidPattern = "invalid-pattern" => Syntax,
    /// CUE evaluation failed (a conflict, an incomplete value, a failed builtin).
    Cue = "cue" => Evaluation,
    /// Starlark evaluation failed (a runtime error, a failed `fail()`).
    Starlark = "starlark" => Evaluation,
    /// A Starlark Dispatchfile defines a resource or task again; the later definition wins.
    Redefined = "redefined" => Evaluation,
        /// A Starlark module could not be loaded.
    Load = "load" => Load,
    /// A bound in [`Limits`](crate::Limits) was exceeded.
    LimitExceeded = "limit-exceeded" => LimitExceeded,
    /// The pipeline defines no tasks.
    EmptyPipeline = "empty-pipeline" => Validation,
    /// A value has the wrong type.
    Type = "type" => Validation,
    /// A required field is missing.
    MissingField = "missing-field" => Validation,
    /// A field is not part of the model.
    UnknownField = "unknown-field" => Validation,
    /// A field has a newer name or form; the message names it.
    DeprecatedField = "deprecated-field" => Validation,
    /// An alias of a field is used (`params` for `param`).
    DeprecatedAlias = "deprecated-alias" => Validation,
    /// A name is not a valid Kubernetes name.
    InvalidName = "invalid-name" => Validation,
    /// A label key or value is not valid for Kubernetes.
    InvalidLabel = "invalid-label" => Validation,
    /// A duration is not a valid Go duration.
    InvalidDuration = "invalid-duration" => Validation,
    /// A Kubernetes quantity (a step's cpu or memory, a volume's size) is malformed, negative
    /// or larger than Kubernetes can hold.
    InvalidQuantity = "invalid-quantity" => Validation,
    /// A number does not fit its field (a 32-bit port, a 64-bit count).
    OutOfRange = "out-of-range" => Validation,
    /// A task's timeout is longer than the pipeline's; the pipeline's wins.
    TimeoutExceedsPipeline = "timeout-exceeds-pipeline" => Validation,
    /// An action or selection names a task that does not exist.
    UndefinedTask = "undefined-task" => Validation,
    /// A task depends on a task that does not exist.
    UndefinedDep = "undefined-dep" => Validation,
    /// A task input names a resource that does not exist.
    UndefinedInput = "undefined-input" => Validation,
    /// A task output names a resource that does not exist.
    UndefinedOutput = "undefined-output" => Validation,
    /// A selection names an action that does not exist.
    UndefinedAction = "undefined-action" => Validation,
    /// Tasks depend on each other in a cycle.
    Cycle = "cycle" => Validation,
    /// More than one task outputs the same resource.
    MultipleProducers = "multiple-producers" => Validation,
    /// A task input names both a resource and a task; the resource is used.
    AmbiguousInput = "ambiguous-input" => Validation,
    /// Two steps of a task have the same name.
    DuplicateStep = "duplicate-step" => Validation,
    /// A step has no name.
    MissingStepName = "missing-step-name" => Validation,
    /// A step has no image.
    MissingImage = "missing-image" => Validation,
    /// A step sets an environment variable more than once; the last definition wins.
    DuplicateEnv = "duplicate-env" => Validation,
    /// A resource parameter is empty once context variables are substituted.
    EmptyResourceParam = "empty-resource-param" => Validation,
    /// A resource parameter the lowering needs is missing.
    MissingResourceParam = "missing-resource-param" => Validation,
    /// A git resource parameter is not a git-clone parameter and is ignored.
    IgnoredResourceParam = "ignored-resource-param" => Validation,
    /// A resource variable is malformed, points nowhere, or is used where it cannot be.
    ResourceVariable = "resource-variable" => Validation,
    /// A `$(inputs.…)`, `$(outputs.…)` or `$(resources.…)` variable that is neither a resource
    /// nor a step-result variable (a Tekton v1alpha1 form such as `$(inputs.params.x)`).
    UnsupportedVariable = "unsupported-variable" => Unsupported,
    /// A `$(context.…)` variable is not one of the known ones.
    UnknownContextVar = "unknown-context-var" => Validation,
    /// A condition names no event kind, more than one, or an unknown one.
    ConditionKind = "condition-kind" => Validation,
    /// A cron action has no name, or shares it with another.
    CronName = "cron-name" => Validation,
    /// A chatops entry starts with `/`: it can never match (the `/` belongs to the comment).
    ChatopsSlash = "chatops-slash" => Validation,
    /// An action selects no task to run, or lowering was asked for none.
    EmptySelection = "empty-selection" => Validation,
    /// A git output is the workspace its task runs in: later tasks see the changes, nothing pushes them.
    GitOutputNotRepublished = "git-output-not-republished" => Validation,
    /// A storage resource lives in a workspace for one run; some of its params have no effect.
    StorageNotPersisted = "storage-not-persisted" => Validation,
    /// A resource type the lowering does not support.
    UnsupportedResourceType = "unsupported-resource-type" => Unsupported,
    /// A step field that Tekton steps do not have.
    UnsupportedStepField = "unsupported-step-field" => Unsupported,
    /// A step-result variable `$(inputs.tasks.TASK.STEP)` that cannot be lowered: no such task
    /// or step, the task is not part of the build, or the step has no command whose output could
    /// become the result.
    UnsupportedTaskResult = "unsupported-task-result" => Unsupported,
    /// An action that Pipelines-as-Code cannot run exactly (`dispatch pac`): it is left out.
    PacInexpressible = "pac-inexpressible" => Unsupported,
    /// The file is in a format this build leaves out (a Starlark Dispatchfile read by
    /// `dispatchfile-parse` without its `starlark` feature).
    Unsupported = "unsupported" => Unsupported,
    /// An event file does not describe an event.
    Event = "event" => Event,
    /// A webhook payload cannot be turned into an event.
    Payload = "payload" => Event,
    /// A webhook payload (a GitHub comment on a pull request) needs pull request details that
    /// were not given.
    MissingPrDetails = "missing-pr-details" => Event,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Code`] from a name that is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCode(String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown diagnostic code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        Code::from_name(s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_code() {
        for &code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(code), "{code}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two codes share a name");
    }

    #[test]
    fn unknown_names_are_refused_with_the_name() {
        let err = "no-such-code".parse::<Code>().expect_err("not a code");
        assert_eq!(err.to_string(), r#"unknown diagnostic code "no-such-code""#);
    }
}
