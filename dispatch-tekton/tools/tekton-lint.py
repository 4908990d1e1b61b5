#!/usr/bin/env python3
"""Runs @ibm/tekton-lint 1.1.0 on rendered Dispatch builds (a dev-time oracle;
CI does not run it).

Setup, once, outside the repository:
    npm install --prefix "$SCRATCH" @ibm/tekton-lint@1.1.0
Use:
    TEKTON_LINT="$SCRATCH/node_modules/.bin/tekton-lint" python3 tekton-lint.py OUT.yaml... SNAP.snap...
where each OUT.yaml is one `dispatch render` output (or an insta snapshot of one), or one
`dispatch pac` output with its `{{ … }}` placeholders replaced by plausible values. Each build is
linted alone (its objects + the git-clone interface stub below, `--max-warnings 0`, rule
`no-latest-image` off), after rewriting every resolver taskRef to {name: <its "name" param>}
(git-clone for the git resolver), since tekton-lint cannot follow resolvers. Needs PyYAML.
"""
import os, subprocess, sys, tempfile, yaml

STUB = """apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: git-clone
spec:
  params:
    - {name: url, type: string}
    - {name: revision, type: string, default: ""}
    - {name: refspec, type: string, default: ""}
    - {name: submodules, type: string, default: "true"}
    - {name: depth, type: string, default: "1"}
    - {name: sslVerify, type: string, default: "true"}
    - {name: subdirectory, type: string, default: ""}
    - {name: sparseCheckoutDirectories, type: string, default: ""}
    - {name: httpProxy, type: string, default: ""}
    - {name: httpsProxy, type: string, default: ""}
    - {name: noProxy, type: string, default: ""}
  workspaces:
    - {name: output}
    - {name: ssh-directory, optional: true}
    - {name: basic-auth, optional: true}
  results:
    - {name: commit}
    - {name: url}
    - {name: committer-date}
  steps:
    - name: clone
      image: gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2
      env:
        - {name: URL, value: $(params.url)}
        - {name: REVISION, value: $(params.revision)}
        - {name: REFSPEC, value: $(params.refspec)}
        - {name: SUBMODULES, value: $(params.submodules)}
        - {name: DEPTH, value: $(params.depth)}
        - {name: SSL_VERIFY, value: $(params.sslVerify)}
        - {name: SUBDIRECTORY, value: $(params.subdirectory)}
        - {name: SPARSE, value: $(params.sparseCheckoutDirectories)}
        - {name: HTTP_PROXY, value: $(params.httpProxy)}
        - {name: HTTPS_PROXY, value: $(params.httpsProxy)}
        - {name: NO_PROXY, value: $(params.noProxy)}
        - {name: OUT, value: $(workspaces.output.path)}
        - {name: SSH, value: $(workspaces.ssh-directory.path)}
        - {name: AUTH, value: $(workspaces.basic-auth.path)}
      script: |
        #!/bin/sh
        git clone "$URL" "$OUT" && cd "$OUT" && git checkout "$REVISION"
        printf '%s' "$(git rev-parse HEAD)" > $(results.commit.path)
        printf '%s' "$URL" > $(results.url.path)
        printf '%s' "$(git log -1 --format=%ct)" > $(results.committer-date.path)
"""
RC = "rules:\n  no-latest-image: off\n"
LINT = os.environ.get("TEKTON_LINT", "tekton-lint")

def rewrite(doc):
    spec = None
    if doc and doc.get("kind") == "Pipeline":
        spec = doc["spec"]
    elif doc and doc.get("kind") == "PipelineRun":
        # `dispatch pac` embeds the Pipeline in the PipelineRun.
        spec = doc["spec"].get("pipelineSpec")
    for t in (spec or {}).get("tasks", []):
        ref = t.get("taskRef", {})
        if "resolver" in ref:
            names = [p["value"] for p in ref.get("params", []) if p["name"] == "name"]
            t["taskRef"] = {"name": names[0] if names else "git-clone"}
    return doc

bad = 0
for path in sys.argv[1:]:
    text = open(path).read()
    if path.endswith(".snap"):
        text = text.split("\n---\n", 1)[1]
        text = "\n".join(l for l in text.splitlines() if not l.startswith("# "))
        if text.lstrip().startswith("["):
            import json
            docs = [rewrite(d) for d in json.loads(text)]
        else:
            docs = [rewrite(d) for d in yaml.safe_load_all(text) if d]
    else:
        docs = [rewrite(d) for d in yaml.safe_load_all(text) if d]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "build.yaml"), "w") as f:
            yaml.safe_dump_all(docs, f, sort_keys=False)
        with open(os.path.join(d, "git-clone.yaml"), "w") as f:
            f.write(STUB)
        with open(os.path.join(d, ".tektonlintrc.yaml"), "w") as f:
            f.write(RC)
        r = subprocess.run([LINT, "--max-warnings", "0", "--color", "false", "--config", d, os.path.join(d, "*.yaml")],
                           capture_output=True, text=True, cwd=d, env=dict(os.environ, FORCE_COLOR="0", NO_COLOR="1"))
        status = "ok" if r.returncode == 0 else "FAIL"
        if r.returncode != 0:
            bad += 1
        print(f"{status} {path}")
        out = (r.stdout + r.stderr).strip()
        if out:
            print("   " + out.replace("\n", "\n   "))
sys.exit(1 if bad else 0)
