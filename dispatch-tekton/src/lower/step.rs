//! One step of a task, and the steps lowering adds (result capture, digest export).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use dispatchfile_model::names::{pointer_segment as seg, sanitize};
use dispatchfile_model::{Code, Diagnostic, Task as DTask};
use k8s_openapi::api::core::v1::{Container, EnvVar, ResourceRequirements, VolumeMount};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::{Cx, STEP_FIELDS, TaskCx, shell_quote};
use crate::fields::set_fields;
use crate::names::assign;
use crate::options::Target;
use crate::tekton::Step;

impl<'a> Cx<'a> {
    pub(super) fn add_mounts(step: &mut Step, mounts: &[VolumeMount]) {
        if mounts.is_empty() {
            return;
        }
        let list = step.volume_mounts.get_or_insert_with(Vec::new);
        for m in mounts {
            if !list.iter().any(|x| x.mount_path == m.mount_path) {
                list.push(m.clone());
            }
        }
    }

    /// The appended step that exports an image output's digest and URL as results.
    pub(super) fn export_step(&self, r: &str, name: String) -> Step {
        let pbase = &self.res[r].pbase;
        // The first sha256 digest of the OCI layout's index.json, and the URL, as results.
        let script = format!(
            "#!/bin/sh\n\
             set -eu\n\
             image={image}\n\
             index={index}\n\
             if [ ! -f \"$index\" ]; then\n  \
               echo \"image resource $image: $index not found; the steps must write an OCI image layout next to it\" >&2\n  \
               exit 1\n\
             fi\n\
             digest=`grep -o 'sha256:[0-9a-f]\\{{64\\}}' \"$index\" | head -n 1`\n\
             if [ -z \"$digest\" ]; then\n  \
               echo \"image resource $image: no sha256 digest in $index\" >&2\n  \
               exit 1\n\
             fi\n\
             printf '%s' \"$digest\" > \"$(results.{pbase}-digest.path)\"\n\
             printf '%s' \"$IMAGE_URL\" > \"$(results.{pbase}-url.path)\"\n",
            image = shell_quote(r),
            index = shell_quote(&format!("/workspace/output/{r}/index.json")),
        );
        let mut step = Step {
            name,
            image: Some(self.o.digest_export_image.clone()),
            env: Some(vec![EnvVar {
                name: "IMAGE_URL".to_owned(),
                value: Some(format!("$(params.{pbase}-url)")),
                value_from: None,
            }]),
            script: Some(script),
            ..Step::default()
        };
        self.set_resources(&mut step, None);
        step
    }

    /// Sets a step's compute resources: its own, or the defaults when it sets neither limits nor
    /// requests.
    pub(super) fn set_resources(&self, step: &mut Step, own: Option<ResourceRequirements>) {
        let empty =
            |m: &Option<BTreeMap<String, Quantity>>| m.as_ref().is_none_or(BTreeMap::is_empty);
        let resources = match (own, &self.o.default_step_resources) {
            (Some(r), Some(d)) if empty(&r.limits) && empty(&r.requests) => {
                Some(ResourceRequirements {
                    claims: r.claims,
                    limits: d.limits.clone(),
                    requests: d.requests.clone(),
                })
            }
            (None, Some(d)) => Some(d.clone()),
            (own, _) => own.filter(|r| {
                !(empty(&r.limits)
                    && empty(&r.requests)
                    && r.claims.as_ref().is_none_or(Vec::is_empty))
            }),
        };
        match self.o.target {
            Target::V1 => step.compute_resources = resources,
            Target::V1Beta1 => step.resources = resources,
        }
    }

    /// Lowers one Dispatch step; `None` after reporting an error.
    pub(super) fn step(
        &mut self,
        tcx: &mut TaskCx<'a>,
        c: &Container,
        path: &dyn Display,
        what: &dyn Display,
    ) -> Option<Step> {
        let mut ok = true;
        // Every field a Tekton step has no place for is an error. The check goes by
        // the serialized field names, so fields of later Kubernetes versions are caught too.
        for key in set_fields(c) {
            if !STEP_FIELDS.contains(&key.as_str()) {
                self.error(
                    Code::UnsupportedStepField,
                    format!("{what}: field {key:?} is not allowed in a Tekton step"),
                    &format!("{path}/{}", seg(&key)),
                );
                ok = false;
            }
        }
        if c.image.as_deref().is_none_or(str::is_empty) {
            self.error(
                Code::MissingImage,
                format!("{what} has no image"),
                &path.to_string(),
            );
            ok = false;
        }
        let image = c
            .image
            .as_ref()
            .map(|s| self.rewrite(tcx, s, || format!("{path}/image"), what));
        let command = c.command.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, s)| self.rewrite(tcx, s, || format!("{path}/command/{i}"), what))
                .collect()
        });
        let args = c.args.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, s)| self.rewrite(tcx, s, || format!("{path}/args/{i}"), what))
                .collect()
        });
        let working_dir = c
            .working_dir
            .as_ref()
            .map(|s| self.rewrite(tcx, s, || format!("{path}/workingDir"), what));
        let image_pull_policy = c.image_pull_policy.clone();
        let env = c.env.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, e)| EnvVar {
                    name: e.name.clone(),
                    value: e
                        .value
                        .as_ref()
                        .map(|s| self.rewrite(tcx, s, || format!("{path}/env/{i}/value"), what)),
                    value_from: e.value_from.as_ref().map(|f| {
                        self.rewrite_json(tcx, f, &format!("{path}/env/{i}/valueFrom"), what)
                    }),
                })
                .collect()
        });
        let env = env.map(|list| self.unique_env(list, path, what));
        let env_from = c
            .env_from
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/envFrom"), what));
        let security_context = c
            .security_context
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/securityContext"), what));
        let volume_mounts = c.volume_mounts.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut m = m.clone();
                    let p = format!("volumeMounts/{i}");
                    m.name = self.rewrite(tcx, &m.name, || format!("{path}/{p}/name"), what);
                    m.mount_path =
                        self.rewrite(tcx, &m.mount_path, || format!("{path}/{p}/mountPath"), what);
                    m.sub_path = m
                        .sub_path
                        .map(|s| self.rewrite(tcx, &s, || format!("{path}/{p}/subPath"), what));
                    m.sub_path_expr = m
                        .sub_path_expr
                        .map(|s| self.rewrite(tcx, &s, || format!("{path}/{p}/subPathExpr"), what));
                    m
                })
                .collect()
        });
        let volume_devices = c
            .volume_devices
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/volumeDevices"), what));
        let mut step = Step {
            name: String::new(),
            image,
            command,
            args,
            working_dir,
            env,
            env_from,
            image_pull_policy,
            security_context,
            volume_mounts,
            volume_devices,
            ..Step::default()
        };
        self.set_resources(&mut step, c.resources.clone());
        ok.then_some(step)
    }

    /// `env` with each name once: Kubernetes gives a variable defined twice its last value, so
    /// the last definition is kept (in its place) and the earlier ones are dropped, with a
    /// warning (a catalog helper such as dind_task adds a variable the step may already set).
    pub(super) fn unique_env(
        &mut self,
        env: Vec<EnvVar>,
        path: &dyn Display,
        what: &dyn Display,
    ) -> Vec<EnvVar> {
        let last = |name: &str| env.iter().rposition(|e| e.name == name);
        if env
            .iter()
            .enumerate()
            .all(|(i, e)| last(&e.name) == Some(i))
        {
            return env;
        }
        let mut warned: BTreeSet<&str> = BTreeSet::new();
        for (i, e) in env.iter().enumerate() {
            let Some(l) = last(&e.name).filter(|l| *l != i) else {
                continue;
            };
            if warned.insert(e.name.as_str()) {
                let d = Diagnostic::warning(
                    Code::DuplicateEnv,
                    format!(
                        "{what}: environment variable {:?} is set more than once (env[{i}] and env[{l}]); the last definition wins, as in Kubernetes",
                        e.name
                    ),
                );
                let p = format!("{path}/env/{l}");
                self.diags.push(d.at(self.span(&p)).with_path(p));
            }
        }
        let keep: Vec<bool> = env
            .iter()
            .enumerate()
            .map(|(i, e)| last(&e.name) == Some(i))
            .collect();
        env.into_iter()
            .zip(keep)
            .filter_map(|(e, k)| k.then_some(e))
            .collect()
    }
}

/// The names the steps of `task` get in its Task (as `Cx::task` assigns them).
pub(super) fn lowered_step_names(task: &DTask) -> Vec<String> {
    let pairs: Vec<(Cow<'_, str>, String)> = task
        .steps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let original = if c.name.is_empty() {
                Cow::Owned(format!("step-{i}"))
            } else {
                Cow::Borrowed(c.name.as_str())
            };
            (
                original,
                sanitize(&c.name).unwrap_or_else(|| format!("step-{i}")),
            )
        })
        .collect();
    assign(pairs, &[])
}

/// Turns `step` into one whose standard output becomes the task result `result`: a script runs
/// its command and arguments with the output going to `$(results.<result>.path)`, then prints
/// it (for the log) and exits with the command's status. Stable Tekton features only.
pub(super) fn capture_output(step: &mut Step, result: &str) {
    let argv: Vec<String> = step
        .command
        .take()
        .into_iter()
        .flatten()
        .chain(step.args.take().into_iter().flatten())
        .map(|a| shell_quote(&a))
        .collect();
    step.script = Some(format!(
        "#!/bin/sh\n\
         # The standard output of this step is the task result {result:?} (a Dispatch step result).\n\
         {} > \"$(results.{result}.path)\"\n\
         status=$?\n\
         cat \"$(results.{result}.path)\"\n\
         exit $status\n",
        argv.join(" ")
    ));
}
