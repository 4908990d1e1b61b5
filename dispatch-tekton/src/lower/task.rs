//! One task of the build: its Task object, its PipelineTask and its run metadata.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use dispatchfile_model::names::{is_label_value, pointer_segment as seg, sanitize};
use dispatchfile_model::{Code, Task as DTask, format_go_duration, parse_go_duration};
use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, EnvVar, EnvVarSource, Volume, VolumeMount};

use super::step::capture_output;
use super::{Cx, Key, Kind, Located, StepOf, TaskCx, cat, meta};
use crate::names::{assign, fit};
use crate::options::{GIT_CLONE_REPOSITORY, GIT_CLONE_VERSION, GitClone};
use crate::tekton::{
    Param, ParamSpec, PipelineTask, PipelineTaskMetadata, PipelineTaskRunSpec, Ref, Step, Task,
    TaskResult, TaskSpec, WorkspaceDeclaration, WorkspaceTaskBinding,
};

/// The workspaces of one task and the steps its resources add.
struct TaskWorkspaces<'a> {
    /// The Task's workspace declarations.
    workspaces: Vec<WorkspaceDeclaration>,
    /// The PipelineTask's workspace bindings.
    bindings: Vec<WorkspaceTaskBinding>,
    /// Outputs written to a volume of the task: (resource, workspace).
    output_volumes: Vec<(&'a str, String)>,
    /// Git resources cloned by a step of the task (inline git-clone).
    clone_steps: Vec<&'a str>,
    /// Image outputs whose digest a step exports.
    export_steps: Vec<&'a str>,
}

impl<'a> Cx<'a> {
    /// Lowers one task: its Task object, its PipelineTask and its run metadata.
    pub(super) fn task(
        &mut self,
        t: &'a str,
        task: &'a DTask,
        index: &BTreeMap<&str, usize>,
        order: &[String],
        pipeline_timeout: u128,
    ) -> (Task, PipelineTask, Option<PipelineTaskRunSpec>) {
        let path = cat(&["/task/", &seg(t)]);
        let name = self.task_names.get(t).cloned().unwrap_or_default();
        let (mut tcx, mut run_after) = self.task_cx(t, task, index);

        // Steps, with every string rewritten.
        let mut steps = Vec::with_capacity(task.steps.len());
        let mut step_names: Vec<(Cow<'a, str>, String)> = Vec::with_capacity(task.steps.len());
        for (i, c) in task.steps.iter().enumerate() {
            let spath = Located(&path, "/steps/", i);
            let what = StepOf(t, i);
            steps.push(self.step(&mut tcx, c, &spath, &what));
            let original = if c.name.is_empty() {
                Cow::Owned(format!("step-{i}"))
            } else {
                Cow::Borrowed(c.name.as_str())
            };
            let candidate = sanitize(&c.name).unwrap_or_else(|| format!("step-{i}"));
            step_names.push((original, candidate));
        }
        let mut volumes: Vec<Volume> = Vec::with_capacity(task.volumes.len());
        for (i, v) in task.volumes.iter().enumerate() {
            let vpath = format!("{path}/volumes/{i}");
            let what = format!("volume #{i} of task {t:?}");
            volumes.push(self.rewrite_json(&mut tcx, v, &vpath, &what));
        }

        // Workspaces, output volumes, clone and export steps.
        let ws = self.task_workspaces(&mut tcx, &path, &mut run_after);
        let all_steps = self.assemble_steps(t, &tcx, steps, step_names, &mut volumes, &ws);
        let (params, pt_params, results) =
            self.task_params(t, task, &mut tcx, index, &ws.export_steps, &mut run_after);
        let timeout = self.task_timeout(t, task, &path, pipeline_timeout);
        let run_spec = self.run_spec(t, task, &path, &name);
        let TaskWorkspaces {
            workspaces,
            bindings: ws_bindings,
            ..
        } = ws;

        // runAfter in PipelineTask order; names of fetch tasks come first.
        run_after.sort_unstable();
        run_after.dedup();
        let by_index: Vec<String> = run_after
            .into_iter()
            .filter(|i| order.get(*i).is_some_and(|n| *n != name))
            .filter_map(|i| order.get(i).cloned())
            .collect();

        let task_obj = Task {
            api_version: self.o.target.api_version().to_owned(),
            kind: "Task".to_owned(),
            metadata: meta(
                Some(name.clone()),
                None,
                [("dispatch.d2iq.io/task", t.to_owned())],
            ),
            spec: TaskSpec {
                params,
                results,
                workspaces,
                volumes,
                steps: all_steps,
            },
        };
        let pt = PipelineTask {
            name: name.clone(),
            run_after: by_index,
            task_ref: Ref::named(name),
            params: pt_params,
            workspaces: ws_bindings,
            timeout,
        };
        (task_obj, pt, run_spec)
    }

    /// The resources task `t` lists (inputs, then outputs not also inputs) with their lookups,
    /// and the PipelineTask indices it runs after by the task graph.
    fn task_cx(
        &self,
        t: &'a str,
        task: &'a DTask,
        index: &BTreeMap<&str, usize>,
    ) -> (TaskCx<'a>, Vec<usize>) {
        let mut resources: Vec<&'a str> =
            Vec::with_capacity(task.inputs.len() + task.outputs.len());
        let mut inputs = Vec::with_capacity(task.inputs.len());
        let mut run_after: Vec<usize> = Vec::with_capacity(task.inputs.len() + task.deps.len() + 1);
        let mut slots: BTreeMap<&'a str, usize> = BTreeMap::new();
        for input in &task.inputs {
            if let Some((r, _)) = self.res.get_key_value(input.as_str()) {
                inputs.push(*r);
                if !slots.contains_key(r) {
                    slots.insert(r, resources.len());
                    resources.push(r);
                }
            }
        }
        let mut output_at: BTreeMap<&'a str, usize> = BTreeMap::new();
        for (i, output) in task.outputs.iter().enumerate() {
            if let Some((r, _)) = self.res.get_key_value(output.as_str()) {
                output_at.entry(r).or_insert(i);
                if !slots.contains_key(r) {
                    slots.insert(r, resources.len());
                    resources.push(r);
                }
            }
        }
        let input_set: BTreeSet<&'a str> = inputs.iter().copied().collect();
        // What the task graph says the task waits for: deps, task inputs, resource producers.
        if let Some(ti) = self.graph.index(t) {
            for &b in self.graph.before(ti) {
                run_after.extend(index.get(self.graph.name(b)));
            }
        }
        let tcx = TaskCx {
            name: t,
            resources,
            params: Vec::new(),
            results: Vec::new(),
            slots,
            input_set,
            output_at,
        };
        (tcx, run_after)
    }

    /// The workspaces of the task's resources; the fetch tasks it runs after; the clone and
    /// export steps and output volumes its resources need.
    fn task_workspaces(
        &mut self,
        tcx: &mut TaskCx<'a>,
        path: &str,
        run_after: &mut Vec<usize>,
    ) -> TaskWorkspaces<'a> {
        let t = tcx.name;
        let inline = self.o.git_clone == GitClone::Inline;
        let mut workspaces = Vec::new();
        let mut ws_bindings = Vec::new();
        let mut output_volumes: Vec<(&'a str, String)> = Vec::new();
        let mut clone_steps: Vec<&'a str> = Vec::new();
        let mut export_steps: Vec<&'a str> = Vec::new();
        for ri in 0..tcx.resources.len() {
            let r = tcx.resources[ri];
            let Some(res) = self.res.get(r) else { continue };
            let (kind, ws, producer) = (res.kind, res.ws.clone(), res.producer);
            let has_url = res.resource.params.contains_key("url");
            let has_revision = res.resource.params.contains_key("revision");
            let is_out = tcx.output_at.contains_key(r);
            match kind {
                Some(Kind::Git) => {
                    // The mount path is `/workspace/<r>`, written only when not the default.
                    let mount_path = (r != ws).then(|| cat(&["/workspace/", r]));
                    workspaces.push(WorkspaceDeclaration {
                        name: ws.clone(),
                        mount_path,
                    });
                    ws_bindings.push(WorkspaceTaskBinding {
                        name: ws.clone(),
                        workspace: ws.clone(),
                    });
                    self.pipeline_workspace(&ws, true);
                    // Fetch tasks come first, sorted by resource name (the map's order).
                    run_after.extend(self.fetch_index.get(r).copied());
                    if inline {
                        clone_steps.push(r);
                        tcx.need(r, Key::Url);
                        if has_revision {
                            tcx.need(r, Key::Revision);
                        }
                    }
                    if is_out {
                        output_volumes.push((r, ws));
                        let i = tcx.output_at.get(r).copied().unwrap_or(0);
                        self.warn(
                            Code::GitOutputNotRepublished,
                            format!(
                                "task {t:?}: git output {r:?} is the workspace the task runs in; changes are seen by later tasks of this run but not pushed anywhere"
                            ),
                            &format!("{path}/outputs/{i}"),
                        );
                    }
                }
                Some(Kind::Storage) => {
                    // Producers write to `/workspace/output/<r>`, consumers read `/workspace/<r>`;
                    // the latter is written only when not the default `/workspace/<ws>`.
                    let mount_path = if is_out && producer == Some(t) {
                        Some(cat(&["/workspace/output/", r]))
                    } else {
                        (r != ws).then(|| cat(&["/workspace/", r]))
                    };
                    workspaces.push(WorkspaceDeclaration {
                        name: ws.clone(),
                        mount_path,
                    });
                    ws_bindings.push(WorkspaceTaskBinding {
                        name: ws.clone(),
                        workspace: ws.clone(),
                    });
                    self.pipeline_workspace(&ws, false);
                }
                Some(Kind::Image) if is_out => {
                    tcx.need(r, Key::Url);
                    output_volumes.push((r, ws));
                    export_steps.push(r);
                    if !has_url {
                        self.error(
                            Code::MissingResourceParam,
                            format!("resource {r:?}: an image output needs a \"url\" param"),
                            &format!("/resource/{}", seg(r)),
                        );
                    }
                }
                Some(Kind::Image) | None => {}
            }
        }
        TaskWorkspaces {
            workspaces,
            bindings: ws_bindings,
            output_volumes,
            clone_steps,
            export_steps,
        }
    }

    /// The task's steps in their final form: clone steps, its own steps (with results captured,
    /// secrets and output mounts added), then export steps; adds the output volumes to `volumes`.
    fn assemble_steps(
        &self,
        t: &'a str,
        tcx: &TaskCx<'a>,
        steps: Vec<Option<Step>>,
        step_names: Vec<(Cow<'a, str>, String)>,
        volumes: &mut Vec<Volume>,
        ws: &TaskWorkspaces<'a>,
    ) -> Vec<Step> {
        let (output_volumes, clone_steps, export_steps) =
            (&ws.output_volumes, &ws.clone_steps, &ws.export_steps);
        // Generated volumes never take a name the task's own volumes use.
        let taken: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
        let pairs: Vec<(&str, String)> = output_volumes
            .iter()
            .map(|(r, ws)| (*r, fit(ws, "-output")))
            .collect();
        let vol_names = assign(pairs, &taken);
        let mut mounts = Vec::with_capacity(output_volumes.len());
        for ((r, _), vname) in output_volumes.iter().zip(&vol_names) {
            volumes.push(Volume {
                name: vname.clone(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Volume::default()
            });
            mounts.push(VolumeMount {
                name: vname.clone(),
                mount_path: format!("/workspace/output/{r}"),
                ..VolumeMount::default()
            });
        }

        // Step names: the task's own first, generated ones yield.
        let user_names = assign(step_names, &[]);
        let mut gen_pairs: Vec<(&str, String)> =
            Vec::with_capacity(clone_steps.len() + export_steps.len());
        for r in clone_steps {
            gen_pairs.push((r, fit(&self.res[r].ws, "-clone")));
        }
        for r in export_steps {
            gen_pairs.push((r, fit(&format!("export-{}", self.res[r].ws), "-digest")));
        }
        let gen_names = if gen_pairs.is_empty() {
            Vec::new()
        } else {
            assign(gen_pairs, &user_names)
        };

        // Secrets of every resource the task lists, in input-then-output order.
        let mut secrets: Vec<EnvVar> = Vec::new();
        for r in &tcx.resources {
            for (env, sel) in &self.res[r].resource.secrets {
                if secrets.iter().any(|e| e.name == *env) {
                    continue;
                }
                let mut sel = sel.clone();
                sel.name = dispatch_trigger::substitute(&sel.name, &self.sel.context);
                sel.key = dispatch_trigger::substitute(&sel.key, &self.sel.context);
                secrets.push(EnvVar {
                    name: env.clone(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(sel),
                        ..EnvVarSource::default()
                    }),
                });
            }
        }

        let mut all_steps = Vec::with_capacity(steps.len() + gen_names.len());
        for (r, n) in clone_steps.iter().zip(&gen_names) {
            let res = &self.res[r];
            let mut params = vec![Param::new("url", format!("$(params.{}-url)", res.pbase))];
            if res.resource.params.contains_key("revision") {
                params.push(Param::new(
                    "revision",
                    format!("$(params.{}-revision)", res.pbase),
                ));
            }
            params.push(Param::new(
                "output-path",
                format!("$(workspaces.{}.path)", res.ws),
            ));
            all_steps.push(Step {
                name: n.clone(),
                reference: Some(Ref::resolver(
                    "git",
                    &[
                        ("url", GIT_CLONE_REPOSITORY),
                        ("revision", GIT_CLONE_VERSION),
                        ("pathInRepo", "stepaction/git-clone/git-clone.yaml"),
                    ],
                )),
                params,
                ..Step::default()
            });
        }
        let captured = self.step_results.get(t).cloned().unwrap_or_default();
        for (i, (step, n)) in steps.into_iter().zip(user_names).enumerate() {
            if let Some(mut step) = step {
                step.name = n;
                if let Some(result) = captured.get(&i) {
                    capture_output(&mut step, result);
                }
                let env = step.env.get_or_insert_with(Vec::new);
                env.reserve(secrets.len());
                for s in &secrets {
                    if !env.iter().any(|e| e.name == s.name) {
                        env.push(s.clone());
                    }
                }
                if env.is_empty() {
                    step.env = None;
                }
                Self::add_mounts(&mut step, &mounts);
                all_steps.push(step);
            }
        }
        for (r, n) in export_steps
            .iter()
            .zip(gen_names.iter().skip(clone_steps.len()))
        {
            let mut step = self.export_step(r, n.clone());
            Self::add_mounts(&mut step, &mounts);
            all_steps.push(step);
        }
        all_steps
    }

    /// The Task's params, the PipelineTask's param values and the Task's results; producers of
    /// step results the task reads join `run_after`.
    fn task_params(
        &mut self,
        t: &'a str,
        task: &'a DTask,
        tcx: &mut TaskCx<'a>,
        index: &BTreeMap<&str, usize>,
        export_steps: &[&'a str],
        run_after: &mut Vec<usize>,
    ) -> (Vec<ParamSpec>, Vec<Param>, Vec<TaskResult>) {
        tcx.params.sort_unstable();
        tcx.params.dedup();
        let mut params = Vec::with_capacity(tcx.params.len());
        let mut pt_params = Vec::with_capacity(tcx.params.len());
        for (i, key) in std::mem::take(&mut tcx.params) {
            let r = tcx.resources[i];
            let (pname, kind, producer) = {
                let res = &self.res[r];
                (
                    cat(&[&res.pbase, "-", key.as_str()]),
                    res.kind,
                    res.producer,
                )
            };
            params.push(ParamSpec::string(pname.clone()));
            let from_producer = kind == Some(Kind::Image)
                && key != Key::Revision
                && tcx.input_set.contains(r)
                && producer.is_some_and(|p| p != t && index.contains_key(p));
            let value = if let Some(p) = producer.filter(|_| from_producer) {
                let pt = self.task_names.get(p).cloned().unwrap_or_default();
                cat(&["$(tasks.", &pt, ".results.", &pname, ")"])
            } else {
                let v = self.param_value(r, key.as_str()).unwrap_or_default();
                let first = !self.pipeline_param_names.contains(&pname);
                if first
                    && v.is_empty()
                    && key == Key::Url
                    && self.res[r].resource.params.contains_key("url")
                {
                    self.empty_param_warning(r, "url");
                }
                self.pipeline_param(pname.clone(), v);
                cat(&["$(params.", &pname, ")"])
            };
            pt_params.push(Param::new(pname, value));
        }
        let mut results = Vec::new();
        if let Some(produced) = self.step_results.get(t) {
            for (i, result) in produced {
                let step = task.steps.get(*i).map_or("", |c| c.name.as_str());
                results.push(TaskResult {
                    name: result.clone(),
                    description: Some(format!("The standard output of step {step:?}")),
                });
            }
        }
        for (pname, producer, result) in std::mem::take(&mut tcx.results) {
            params.push(ParamSpec::string(pname.clone()));
            let pt = self.task_names.get(producer).cloned().unwrap_or_default();
            pt_params.push(Param::new(
                pname,
                cat(&["$(tasks.", &pt, ".results.", &result, ")"]),
            ));
            run_after.extend(index.get(producer));
        }
        for r in export_steps {
            let pbase = &self.res[r].pbase;
            results.push(TaskResult {
                name: format!("{pbase}-digest"),
                description: Some(format!("The digest of image {r:?}")),
            });
            results.push(TaskResult {
                name: format!("{pbase}-url"),
                description: Some(format!("The URL of image {r:?}")),
            });
        }
        (params, pt_params, results)
    }

    /// The task's timeout in Go form; a warning when the pipeline timeout is shorter.
    fn task_timeout(
        &mut self,
        t: &str,
        task: &DTask,
        path: &str,
        pipeline_timeout: u128,
    ) -> Option<String> {
        task.timeout.as_ref().and_then(|s| match parse_go_duration(s) {
            Ok(n) => {
                if pipeline_timeout > 0 && (n == 0 || n > pipeline_timeout) {
                    self.warn(
                        Code::TimeoutExceedsPipeline,
                        format!(
                            "task {t:?}: timeout {s:?} is longer than the pipeline timeout {:?}; the pipeline timeout wins",
                            format_go_duration(pipeline_timeout)
                        ),
                        &format!("{path}/timeout"),
                    );
                }
                Some(format_go_duration(n))
            }
            Err(why) => {
                self.error(Code::InvalidDuration, format!("task {t:?}: invalid timeout {s:?}: {why}"), &format!("{path}/timeout"));
                None
            }
        })
    }

    /// The task's run metadata: labels (checked after context substitution) and annotations.
    fn run_spec(
        &mut self,
        t: &str,
        task: &DTask,
        path: &str,
        name: &str,
    ) -> Option<PipelineTaskRunSpec> {
        task.metadata.as_ref().and_then(|m| {
            let mut md = PipelineTaskMetadata::default();
            for (k, raw) in &m.labels {
                let v = dispatch_trigger::substitute(raw, &self.sel.context);
                if !is_label_value(&v) {
                    // A value made with context variables is checked now that the event
                    // has given them values; the message names them.
                    let values: Vec<String> = dispatchfile_model::names::CONTEXT_VARIABLES
                        .iter()
                        .filter(|n| raw.contains(&format!("$(context.{n})")))
                        .map(|n| format!("$(context.{n}) = {:?}", self.sel.context.get(n).unwrap_or_default()))
                        .collect();
                    let msg = if values.is_empty() {
                        format!("task {t:?}: label {k:?} has the value {v:?}, which is not a valid label value")
                    } else {
                        format!(
                            "task {t:?}: label {k:?} is {v:?} for this event ({}), which is not a valid label value (at most 63 characters from [A-Za-z0-9_.-], starting and ending with a letter or digit)",
                            values.join(", ")
                        )
                    };
                    self.error(Code::InvalidLabel, msg, &format!("{path}/metadata/labels/{}", seg(k)));
                }
                md.labels.insert(k.clone(), v);
            }
            for (k, v) in &m.annotations {
                md.annotations.insert(k.clone(), dispatch_trigger::substitute(v, &self.sel.context));
            }
            (!md.labels.is_empty() || !md.annotations.is_empty())
                .then(|| PipelineTaskRunSpec { pipeline_task_name: name.to_owned(), metadata: md })
        })
    }
}
