//! The Pipeline and PipelineRun of a build, and what they share: params, workspaces, fetch tasks.

use std::collections::BTreeMap;

use dispatchfile_model::names::{pointer_segment as seg, sanitize};
use dispatchfile_model::{Code, format_go_duration};
use k8s_openapi::api::core::v1::{
    EmptyDirVolumeSource, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource,
    PodSecurityContext, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::plan::Plan;
use super::{Cx, GIT_CLONE_FS_GROUP, GIT_CLONE_PARAMS, meta};
use crate::options::{GitClone, Target, WorkspaceVolume};
use crate::tekton::{
    Object, Param, ParamSpec, Pipeline as TPipeline, PipelineRun, PipelineRunSpec, PipelineSpec,
    PipelineTask, PipelineWorkspace, PodTemplate, Ref, TaskRunTemplate, Timeouts,
    VolumeClaimTemplate, WorkspaceBinding, WorkspaceTaskBinding,
};

impl<'a> Cx<'a> {
    /// Lowers every task of the plan, then the Pipeline and the PipelineRun.
    pub(super) fn objects(&mut self, plan: Plan<'a>) -> Vec<Object> {
        let Plan {
            tasks,
            git_used,
            pipeline_timeout,
        } = plan;
        let inline = self.o.git_clone == GitClone::Inline;
        let mut ptasks = Vec::new();
        let mut objects = Vec::new();
        let mut run_specs = Vec::new();
        for r in &git_used {
            if let Some(pt) = self.fetch_task(r) {
                ptasks.push(pt);
            }
        }
        let fetch_count = ptasks.len();
        // PipelineTask index of each task, for runAfter order.
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, (t, _)) in tasks.iter().enumerate() {
            index.insert(t, fetch_count + i);
            self.build_index.insert(t, fetch_count + i);
        }
        // PipelineTask names by index: fetch tasks, then tasks.
        let order: Vec<String> = ptasks
            .iter()
            .map(|pt| pt.name.clone())
            .chain(
                tasks
                    .iter()
                    .map(|(t, _)| self.task_names.get(t).cloned().unwrap_or_default()),
            )
            .collect();
        objects.reserve(tasks.len() + 2);
        ptasks.reserve(tasks.len());
        for (t, task) in &tasks {
            let (task_obj, pt, run_spec) = self.task(t, task, &index, &order, pipeline_timeout);
            objects.push(Object::Task(task_obj));
            ptasks.push(pt);
            run_specs.extend(run_spec);
        }

        let names: Vec<&str> = tasks.iter().map(|(t, _)| *t).collect();
        let joined = names.join("-");
        let pipeline_name = sanitize(&format!("{}-{joined}", self.o.pipeline_name_prefix))
            .unwrap_or_else(|| "dispatch".to_owned());
        let tasks_annotation = names.join(",");
        let api = self.o.target.api_version().to_owned();
        objects.push(Object::Pipeline(TPipeline {
            api_version: api.clone(),
            kind: "Pipeline".to_owned(),
            metadata: meta(
                Some(pipeline_name.clone()),
                None,
                [("dispatch.d2iq.io/tasks", tasks_annotation.clone())],
            ),
            spec: PipelineSpec {
                params: self
                    .pipeline_params
                    .iter()
                    .map(|(n, _)| ParamSpec::string(n.clone()))
                    .collect(),
                workspaces: self
                    .pipeline_workspaces
                    .iter()
                    .map(|(n, _)| PipelineWorkspace { name: n.clone() })
                    .collect(),
                tasks: ptasks,
            },
        }));

        let actions = self
            .sel
            .actions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut annotations = vec![
            ("dispatch.d2iq.io/actions", actions),
            (
                "dispatch.d2iq.io/build-name",
                self.sel.context.build_name.clone(),
            ),
        ];
        if !self.sel.context.git_commit.is_empty() {
            annotations.push((
                "dispatch.d2iq.io/commit",
                self.sel.context.git_commit.clone(),
            ));
        }
        annotations.push(("dispatch.d2iq.io/tasks", tasks_annotation));
        let cut = if pipeline_name.len() > 57 {
            pipeline_name[..57].trim_end_matches('-')
        } else {
            &pipeline_name
        };
        let generate_name = format!("{cut}-");

        let mut pod_template = self.o.pod_template.clone();
        if !git_used.is_empty() {
            let pt = pod_template.get_or_insert_with(PodTemplate::default);
            let sc = pt
                .security_context
                .get_or_insert_with(PodSecurityContext::default);
            sc.fs_group.get_or_insert(GIT_CLONE_FS_GROUP);
        }
        let mut spec = PipelineRunSpec {
            pipeline_ref: Ref::named(pipeline_name),
            params: self
                .pipeline_params
                .iter()
                .map(|(n, v)| Param::new(n.clone(), v.clone()))
                .collect(),
            workspaces: self
                .pipeline_workspaces
                .iter()
                .map(|(n, git)| self.binding(n, *git && inline))
                .collect(),
            task_run_specs: run_specs,
            timeouts: Some(Timeouts {
                pipeline: format_go_duration(pipeline_timeout),
            }),
            ..PipelineRunSpec::default()
        };
        match self.o.target {
            Target::V1Beta1 => {
                spec.service_account_name
                    .clone_from(&self.o.service_account);
                spec.pod_template = pod_template;
            }
            Target::V1 => {
                if pod_template.is_some() || self.o.service_account.is_some() {
                    spec.task_run_template = Some(TaskRunTemplate {
                        pod_template,
                        service_account_name: self.o.service_account.clone(),
                    });
                }
            }
        }
        objects.push(Object::PipelineRun(PipelineRun {
            api_version: api,
            kind: "PipelineRun".to_owned(),
            metadata: meta(None, Some(generate_name), annotations),
            spec,
        }));
        objects
    }

    pub(super) fn binding(&self, ws: &str, empty_dir: bool) -> WorkspaceBinding {
        let mut b = WorkspaceBinding {
            name: ws.to_owned(),
            ..WorkspaceBinding::default()
        };
        if empty_dir {
            b.empty_dir = Some(EmptyDirVolumeSource::default());
            return b;
        }
        match &self.o.workspace_binding {
            WorkspaceVolume::ClaimTemplate {
                access_mode,
                size,
                storage_class,
            } => {
                b.volume_claim_template = Some(VolumeClaimTemplate {
                    spec: PersistentVolumeClaimSpec {
                        access_modes: Some(vec![access_mode.clone()]),
                        resources: Some(VolumeResourceRequirements {
                            limits: None,
                            requests: Some(BTreeMap::from([(
                                "storage".to_owned(),
                                Quantity(size.clone()),
                            )])),
                        }),
                        storage_class_name: storage_class.clone(),
                        ..PersistentVolumeClaimSpec::default()
                    },
                });
            }
            WorkspaceVolume::Claim { name } => {
                b.sub_path = Some(ws.to_owned());
                b.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                    claim_name: name.clone(),
                    read_only: None,
                });
            }
        }
        b
    }

    pub(super) fn pipeline_param(&mut self, name: String, value: String) {
        if self.pipeline_param_names.insert(name.clone()) {
            self.pipeline_params.push((name, value));
        }
    }

    pub(super) fn pipeline_workspace(&mut self, ws: &str, git: bool) {
        if self.pipeline_workspace_names.insert(ws.to_owned()) {
            self.pipeline_workspaces.push((ws.to_owned(), git));
        }
    }

    pub(super) fn empty_param_warning(&mut self, r: &str, key: &str) {
        self.warn(
            Code::EmptyResourceParam,
            format!("resource {r:?}: param {key:?} is empty after context substitution (no event gives it a value)"),
            &format!("/resource/{}/param/{}", seg(r), seg(key)),
        );
    }

    /// A resource param after context substitution; a reference to itself becomes `""`.
    pub(super) fn param_value(&mut self, r: &str, key: &str) -> Option<String> {
        let raw = self.res.get(r)?.resource.params.get(key)?;
        let value = dispatch_trigger::substitute(raw, &self.sel.context);
        let is_self = value
            .strip_prefix("$(")
            .and_then(|v| v.strip_suffix(')'))
            .and_then(|v| {
                [
                    "inputs.resources.",
                    "resources.inputs.",
                    "outputs.resources.",
                    "resources.outputs.",
                ]
                .iter()
                .find_map(|p| v.strip_prefix(p))
            })
            .and_then(|v| v.strip_suffix(key))
            .and_then(|v| v.strip_suffix('.'))
            == Some(r);
        if is_self {
            return Some(String::new());
        }
        if ["$(inputs.", "$(outputs.", "$(resources."]
            .iter()
            .any(|p| value.contains(p))
        {
            self.error(
                Code::ResourceVariable,
                format!("resource {r:?}: param {key:?} refers to a resource variable ({value:?}); only a reference to itself is allowed"),
                &format!("/resource/{}/param/{}", seg(r), seg(key)),
            );
        }
        Some(value)
    }

    pub(super) fn fetch_task(&mut self, r: &'a str) -> Option<PipelineTask> {
        let name = self.fetch_names.get(r)?.clone();
        let (ws, pbase) = {
            let res = &self.res[r];
            (res.ws.clone(), res.pbase.clone())
        };
        let task_ref = match &self.o.git_clone {
            GitClone::Bundles { bundle } => Ref::resolver(
                "bundles",
                &[("bundle", bundle), ("name", "git-clone"), ("kind", "task")],
            ),
            GitClone::Git {
                url,
                revision,
                path_in_repo,
            } => Ref::resolver(
                "git",
                &[
                    ("url", url),
                    ("revision", revision),
                    ("pathInRepo", path_in_repo),
                ],
            ),
            GitClone::Hub { version } => Ref::resolver(
                "hub",
                &[
                    ("type", "artifact"),
                    ("catalog", "tekton-catalog-tasks"),
                    ("kind", "task"),
                    ("name", "git-clone"),
                    ("version", version),
                ],
            ),
            GitClone::Cluster { namespace } => Ref::resolver(
                "cluster",
                &[
                    ("kind", "task"),
                    ("name", "git-clone"),
                    ("namespace", namespace),
                ],
            ),
            GitClone::Name { name } => Ref::named(name.clone()),
            GitClone::Inline => return None,
        };
        let mut params = Vec::new();
        let url = self.param_value(r, "url").unwrap_or_default();
        if url.is_empty() && self.res[r].resource.params.contains_key("url") {
            self.empty_param_warning(r, "url");
        }
        self.pipeline_param(format!("{pbase}-url"), url);
        params.push(Param::new("url", format!("$(params.{pbase}-url)")));
        if let Some(rev) = self.param_value(r, "revision") {
            self.pipeline_param(format!("{pbase}-revision"), rev);
            params.push(Param::new(
                "revision",
                format!("$(params.{pbase}-revision)"),
            ));
        }
        let keys: Vec<String> = self.res[r].resource.params.keys().cloned().collect();
        for key in keys {
            if key == "url" || key == "revision" {
                continue;
            }
            if GIT_CLONE_PARAMS.contains(&key.as_str()) {
                let v = self.param_value(r, &key).unwrap_or_default();
                params.push(Param::new(key, v));
            } else {
                self.warn(
                    Code::IgnoredResourceParam,
                    format!(
                        "resource {r:?}: param {key:?} is not a git-clone param and is ignored"
                    ),
                    &format!("/resource/{}/param/{}", seg(r), seg(&key)),
                );
            }
        }
        self.pipeline_workspace(&ws, true);
        Some(PipelineTask {
            name,
            run_after: Vec::new(),
            task_ref,
            params,
            workspaces: vec![WorkspaceTaskBinding {
                name: "output".to_owned(),
                workspace: ws,
            }],
            timeout: None,
        })
    }
}
