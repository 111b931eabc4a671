"""Checks the cluster delivery without a Docker engine or a cluster.

- The Dockerfile's build stage installs exactly scripts/setup.sh's packages
  (by running that script). Its two runtime targets: `serve` installs
  exactly the Debian packages that provide the shared libraries `hpsearch`
  links (so no LibTorch, no data), and `full` (built on serve) adds exactly
  those of `hpsearch-trial` and its data, so neither image can drift from
  the build. Both run as a numeric non-root user with an exec-form
  `hpsearch serve` entrypoint on port 6789.
- Every kustomize overlay in manifests/ renders offline; the Katib config
  routes hpsearch's algorithms to the serve image, and keeps what the Katib
  release it names configures: its trial resources, and its own images, at
  that release's tag, for everything hpsearch does not serve.
- The examples' trials run the full image, pin LibTorch's thread count, and
  fail (not restart forever) on errors that always recur.

Usage: delivery_test.py SOURCE_DIR BIN_DIR
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import yaml

SOURCE_DIR = ""
BIN_DIR = ""
# Which binaries each runtime target adds to the one it is built on.
TARGET_BINARIES = {"serve": ("hpsearch",), "full": ("hpsearch-trial",)}
# In every debian:12-slim image (apt and dpkg need them), so never listed.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# Not linked, but read at run time by hpsearch-trial.
DATA_PACKAGES = {"dataset-fashion-mnist"}
HPSEARCH_ALGORITHMS = {"random", "grid", "bayesianoptimization"}
SERVE_IMAGE = re.compile(r"/hpsearch-serve:")
FULL_IMAGE = re.compile(r"/hpsearch:")
# What only the trial program needs; the serve image must hold none of it.
TRIAL_ONLY_PACKAGE = re.compile(r"^(libtorch|dataset-)")
# The Katib release katib-config.yaml matches, and what that release's
# katib-standalone config lists (manifests/v1beta1/installs/katib-standalone/
# katib-config.yaml at its tag): replacing the ConfigMap must drop none.
KATIB_VERSION = "v0.19.0"
KATIB_TRIAL_RESOURCES = {"TrainJob.v1alpha1.trainer.kubeflow.org", "Job.v1.batch", "TFJob.v1.kubeflow.org",
                         "PyTorchJob.v1.kubeflow.org", "MPIJob.v1.kubeflow.org", "XGBoostJob.v1.kubeflow.org"}
KATIB_ALGORITHMS = {"random", "tpe", "grid", "hyperband", "bayesianoptimization", "cmaes", "sobol",
                    "multivariate-tpe", "enas", "darts", "pbt"}


def source(*parts):
    return os.path.join(SOURCE_DIR, *parts)


def dockerfile_stages():
    """Returns {stage name: (base image or stage, [instruction lines])}, in order."""
    stages, current = {}, None
    with open(source("Dockerfile")) as dockerfile:
        text = dockerfile.read()
    text = re.sub(r"\\\n", " ", text)  # join continuation lines
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        from_match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.I)
        if from_match:
            current = from_match.group(2)
            stages[current] = (from_match.group(1), [])
        elif current:
            stages[current][1].append(line)
    return stages


def effective_instructions(stages, name):
    """A stage's instructions after those of the stages it is built on."""
    base, own = stages[name]
    inherited = effective_instructions(stages, base) if base in stages else []
    return inherited + own


def last_value(instructions, keyword):
    values = [line.split(None, 1)[1] for line in instructions
              if line.split(None, 1)[0].upper() == keyword]
    return values[-1] if values else None


def installed_packages(instructions):
    """Every package a stage's own `apt-get install` lines name."""
    packages = set()
    for line in instructions:
        for command in line.split("&&"):
            if "apt-get install" in command:
                words = command.split("apt-get install", 1)[1].split()
                packages |= {w for w in words if not w.startswith("-")}
    return packages


def copied_from_build(instructions):
    """The file names a stage's own `COPY --from=build` lines copy."""
    names = set()
    for line in instructions:
        words = line.split()
        if words[0].upper() == "COPY" and "--from=build" in words:
            names |= {os.path.basename(w) for w in words[2:-1]}
    return names


def package_of_library(soname):
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True,
                           check=True).stdout
    match = re.search(r"^\s*%s \(libc6,x86-64.*\) => (\S+)$" % re.escape(soname),
                      cache, re.M)
    if not match:
        raise AssertionError(f"{soname} is not in the linker cache")
    path = os.path.realpath(match.group(1))
    for candidate in (path, match.group(1)):
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                               text=True)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    raise AssertionError(f"no Debian package owns {path} ({soname})")


def linked_packages(binary):
    dump = subprocess.run(["objdump", "-p", binary], capture_output=True,
                          text=True, check=True).stdout
    sonames = re.findall(r"^\s*NEEDED\s+(\S+)$", dump, re.M)
    return {package_of_library(s) for s in sonames}


class DockerfileTest(unittest.TestCase):
    def setUp(self):
        self.stages = dockerfile_stages()

    def test_build_stage_and_two_runtime_targets_on_debian_12(self):
        # `full` last: a plain `docker build .` builds the full image.
        self.assertEqual(list(self.stages), ["build", "serve", "full"])
        self.assertEqual(self.stages["build"][0], "debian:12")
        self.assertEqual(self.stages["serve"][0], "debian:12-slim")
        self.assertEqual(self.stages["full"][0], "serve")

    def test_build_stage_installs_with_setup_script(self):
        self.assertTrue(any(re.match(r"RUN bash \S*scripts/setup\.sh", line)
                            for line in self.stages["build"][1]),
                        "the build stage must run scripts/setup.sh")

    def test_runtime_targets_serve_as_non_root_on_katib_port(self):
        for target in TARGET_BINARIES:
            with self.subTest(target=target):
                instructions = effective_instructions(self.stages, target)
                self.assertIn("EXPOSE 6789", instructions)
                entrypoint = last_value(instructions, "ENTRYPOINT")
                # Exec form: hpsearch is PID 1 and gets SIGTERM itself.
                self.assertEqual(entrypoint and entrypoint.startswith("[")
                                 and json.loads(entrypoint), ["hpsearch", "serve"],
                                 f"ENTRYPOINT {entrypoint}: not the exec form of "
                                 "hpsearch serve")
                user = last_value(instructions, "USER")
                self.assertIsNotNone(user, "the image must set USER")
                # Numeric, so that Kubernetes' runAsNonRoot can verify it.
                uid = user.split(":")[0]
                self.assertRegex(uid, r"^[0-9]+$")
                self.assertNotEqual(int(uid), 0)

    def test_each_target_copies_its_own_binaries(self):
        for target, binaries in TARGET_BINARIES.items():
            with self.subTest(target=target):
                self.assertEqual(copied_from_build(self.stages[target][1]),
                                 set(binaries))

    def test_serve_target_holds_no_libtorch_and_no_data(self):
        serve = installed_packages(self.stages["serve"][1])
        self.assertTrue(serve)
        self.assertEqual(sorted(p for p in serve if TRIAL_ONLY_PACKAGE.match(p)), [])
        self.assertEqual(
            sorted(installed_packages(self.stages["full"][1]) & serve), [],
            "full reinstalls packages it has from serve")

    def test_runtime_packages_match_what_the_binaries_link(self):
        binaries = [b for bs in TARGET_BINARIES.values() for b in bs]
        missing = [b for b in binaries if not os.path.exists(os.path.join(BIN_DIR, b))]
        if missing:
            self.skipTest(f"not built here: {', '.join(missing)}")
        needed, listed = set(), set()
        for target, target_binaries in TARGET_BINARIES.items():
            for binary in target_binaries:
                needed |= linked_packages(os.path.join(BIN_DIR, binary))
            if target == "full":
                needed |= DATA_PACKAGES
            listed |= installed_packages(self.stages[target][1])
            # Cumulative: `full` is built on `serve`.
            with self.subTest(target=target):
                self.assertEqual(sorted(listed - (needed - BASE_PACKAGES)), [],
                                 "the image installs packages nothing needs")
                self.assertEqual(sorted((needed - BASE_PACKAGES) - listed), [],
                                 "the image lacks packages its binaries link")


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


class ManifestsTest(unittest.TestCase):
    config_path = property(lambda self: source("manifests", "katib-config",
                                               "katib-config.yaml"))

    def render(self, overlay):
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("kubectl is not installed")
        out = subprocess.run([kubectl, "kustomize", overlay], capture_output=True,
                             text=True)
        self.assertEqual(out.returncode, 0, f"{overlay}: {out.stderr}")
        return list(yaml.safe_load_all(out.stdout))

    def test_every_overlay_renders_offline(self):
        overlays = [root for root, _, files in os.walk(source("manifests"))
                    if "kustomization.yaml" in files]
        self.assertTrue(overlays)
        for overlay in overlays:
            with self.subTest(overlay=os.path.relpath(overlay, SOURCE_DIR)):
                self.assertTrue(self.render(overlay))

    def test_overlay_replaces_katibs_config_map(self):
        docs = self.render(source("manifests", "katib-config"))
        [config_map] = [d for d in docs if d["kind"] == "ConfigMap"]
        self.assertEqual(config_map["metadata"]["name"], "katib-config")
        self.assertEqual(config_map["metadata"]["namespace"], "kubeflow")
        self.assertEqual(yaml.safe_load(config_map["data"]["katib-config.yaml"]),
                         load_yaml(self.config_path))

    def test_katib_config_routes_algorithms_to_the_serve_image(self):
        config = load_yaml(self.config_path)
        self.assertEqual(config["kind"], "KatibConfig")
        images = {s["algorithmName"]: s["image"] for s in config["runtime"]["suggestions"]}
        for algorithm in HPSEARCH_ALGORITHMS:
            self.assertRegex(images.get(algorithm, ""), SERVE_IMAGE,
                             f"{algorithm} must run the hpsearch-serve image")
        for algorithm, image in images.items():
            if algorithm not in HPSEARCH_ALGORITHMS:
                self.assertNotRegex(image, r"/hpsearch(-serve)?:",
                                    f"hpsearch does not serve {algorithm}")

    def test_katib_config_keeps_what_its_katib_release_configures(self):
        config = load_yaml(self.config_path)
        self.assertEqual(set(config["init"]["controller"]["trialResources"]), KATIB_TRIAL_RESOURCES)
        suggestions = config["runtime"]["suggestions"]
        self.assertEqual({s["algorithmName"] for s in suggestions}, KATIB_ALGORITHMS)
        katib_images = [s["image"] for s in suggestions if s["algorithmName"] not in HPSEARCH_ALGORITHMS]
        katib_images += [c["image"] for c in config["runtime"]["metricsCollectors"]]
        katib_images += [e["image"] for e in config["runtime"]["earlyStoppings"]]
        for image in katib_images:
            self.assertRegex(image, rf"^ghcr\.io/kubeflow/katib/[a-z-]+:{re.escape(KATIB_VERSION)}$")

    def test_katib_version_is_named_where_users_read_it(self):
        for path in (self.config_path, source("docs", "katib.md")):
            with open(path) as f:
                self.assertTrue(f"Katib {KATIB_VERSION}" in f.read(),
                                f"{os.path.relpath(path, SOURCE_DIR)} must name "
                                f"Katib {KATIB_VERSION}, whose config it matches")


def containers(node):
    """Every container of a trial spec, whatever kind of job holds it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "containers" and isinstance(value, list):
                yield from value
            else:
                yield from containers(value)
    elif isinstance(node, list):
        for value in node:
            yield from containers(value)


def replica_specs(trial_spec):
    """PyTorchJob/TFJob-style replicas: {type: spec}."""
    spec = trial_spec.get("spec", {})
    for key, value in spec.items():
        if key.endswith("ReplicaSpecs") and isinstance(value, dict):
            yield from value.items()


class ExamplesTest(unittest.TestCase):
    def examples(self):
        paths = sorted(glob.glob(source("manifests", "examples", "*.yaml")))
        self.assertTrue(paths)
        for path in paths:
            yield os.path.basename(path), load_yaml(path)

    def trial_containers(self, experiment):
        for container in containers(experiment["spec"]["trialTemplate"]["trialSpec"]):
            command = container.get("command", []) + container.get("args", [])
            if command and command[0] == "hpsearch-trial":
                yield container, command

    def test_trials_run_the_full_image_with_fixed_threads(self):
        for name, experiment in self.examples():
            found = list(self.trial_containers(experiment))
            with self.subTest(example=name):
                self.assertTrue(found, "no hpsearch-trial container")
            for container, command in found:
                with self.subTest(example=name, container=container["name"]):
                    self.assertRegex(container["image"], FULL_IMAGE,
                                     "hpsearch-trial is only in the full image")
                    # LibTorch's default is a thread per core, for each of
                    # parallelTrialCount trials on a node or machine.
                    threads = [w for w in command if w.startswith("--threads")]
                    self.assertTrue(threads, "--threads not given")
                    self.assertRegex(threads[-1], r"^--threads=[1-9][0-9]*$")

    def test_replicated_trials_fail_on_errors_that_recur(self):
        for name, experiment in self.examples():
            trial_spec = experiment["spec"]["trialTemplate"]["trialSpec"]
            run_policy = trial_spec.get("spec", {}).get("runPolicy", {})
            for replica, spec in replica_specs(trial_spec):
                with self.subTest(example=name, replica=replica):
                    policy = spec.get("restartPolicy", "Never")
                    # OnFailure/Always restart a failing pod without end
                    # unless runPolicy.backoffLimit bounds them.
                    if policy not in ("Never", "ExitCode"):
                        self.assertIn("backoffLimit", run_policy,
                                      f"restartPolicy {policy} without a backoffLimit")


if __name__ == "__main__":
    SOURCE_DIR, BIN_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
