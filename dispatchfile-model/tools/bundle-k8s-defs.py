#!/usr/bin/env python3
"""Regenerates dispatchfile-model/src/schema/k8s-defs.json.

Bundles the Kubernetes 1.35 `$defs` reachable from Container, Volume and SecretKeySelector out of
shared/schemas/tekton/k8s-v1.35/ (strict schemas from PyPI kubernetes-validate), dropping prose
(`description`) and `x-kubernetes-*` annotations. The JSON Schema bundles these as `$defs`; the
model also walks Dispatchfile documents with them to report unknown fields and wrong types with
positions.

Usage: python3 dispatchfile-model/tools/bundle-k8s-defs.py ../shared > dispatchfile-model/src/schema/k8s-defs.json
"""
import json
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
defs = {}
for name in ("container-v1.json", "volume-v1.json"):
    with open(f"{shared}/schemas/tekton/k8s-v1.35/{name}") as f:
        defs.update(json.load(f)["$defs"])


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items()
                if k != "description" and not k.startswith("x-kubernetes")}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


roots = ["io.k8s.api.core.v1.Container", "io.k8s.api.core.v1.Volume", "io.k8s.api.core.v1.SecretKeySelector"]
keep, todo = {}, list(roots)
while todo:
    name = todo.pop()
    if name in keep:
        continue
    keep[name] = strip(defs[name])
    text = json.dumps(keep[name])
    for part in text.split('"#/$defs/')[1:]:
        todo.append(part.split('"', 1)[0])
print(json.dumps(dict(sorted(keep.items())), indent=1, sort_keys=True))
