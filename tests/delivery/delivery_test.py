"""Checks the cluster delivery without a Docker engine or a cluster.

- The Dockerfile's build stage installs exactly scripts/setup.sh's packages
  (by running that script), and its runtime stage installs exactly the Debian
  packages that provide the shared libraries the built binaries link, so the
  image cannot drift from the build.
- Every kustomize overlay in manifests/ renders offline, and the rendered
  Katib config routes hpsearch's algorithms to the hpsearch image.

Usage: delivery_test.py SOURCE_DIR BIN_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import unittest

import yaml

SOURCE_DIR = ""
BIN_DIR = ""
BINARIES = ("hpsearch", "hpsearch-trial")
# Part of every Debian image (Priority: required), so never listed.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# Not linked, but read at run time by hpsearch-trial.
DATA_PACKAGES = {"dataset-fashion-mnist"}
HPSEARCH_ALGORITHMS = {"random", "grid", "bayesianoptimization"}


def dockerfile_stages():
    """Returns {stage name: (base image, [instruction lines])}."""
    stages, current = {}, None
    with open(os.path.join(SOURCE_DIR, "Dockerfile")) as dockerfile:
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


def runtime_packages(instructions):
    for line in instructions:
        if "apt-get install" in line:
            words = line.split("apt-get install", 1)[1].split("&&")[0].split()
            return {w for w in words if not w.startswith("-")}
    return set()


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

    def test_two_stages_on_debian_12(self):
        self.assertEqual(list(self.stages), ["build", "runtime"])
        self.assertEqual(self.stages["build"][0], "debian:12")
        self.assertEqual(self.stages["runtime"][0], "debian:12-slim")

    def test_build_stage_installs_with_setup_script(self):
        self.assertTrue(any(re.match(r"RUN bash \S*scripts/setup\.sh", line)
                            for line in self.stages["build"][1]),
                        "the build stage must run scripts/setup.sh")

    def test_runtime_stage_serves_as_non_root_on_katib_port(self):
        runtime = self.stages["runtime"][1]
        self.assertIn("EXPOSE 6789", runtime)
        self.assertIn('ENTRYPOINT ["hpsearch", "serve"]', runtime)
        users = [line.split()[1] for line in runtime if line.startswith("USER ")]
        self.assertTrue(users, "the runtime stage must set USER")
        self.assertNotIn(users[-1].split(":")[0], ("root", "0"))

    def test_runtime_packages_match_what_the_binaries_link(self):
        missing = [b for b in BINARIES if not os.path.exists(os.path.join(BIN_DIR, b))]
        if missing:
            self.skipTest(f"not built here: {', '.join(missing)}")
        needed = set(DATA_PACKAGES)
        for binary in BINARIES:
            needed |= linked_packages(os.path.join(BIN_DIR, binary))
        needed -= BASE_PACKAGES
        listed = runtime_packages(self.stages["runtime"][1])
        self.assertEqual(sorted(listed - needed), [],
                         "runtime stage installs packages nothing needs")
        self.assertEqual(sorted(needed - listed), [],
                         "runtime stage lacks packages the binaries link")


class ManifestsTest(unittest.TestCase):
    def render(self, overlay):
        kubectl = shutil.which("kubectl")
        if not kubectl:
            self.skipTest("kubectl is not installed")
        out = subprocess.run([kubectl, "kustomize", overlay], capture_output=True,
                             text=True)
        self.assertEqual(out.returncode, 0, f"{overlay}: {out.stderr}")
        return list(yaml.safe_load_all(out.stdout))

    def test_every_overlay_renders_offline(self):
        manifests = os.path.join(SOURCE_DIR, "manifests")
        overlays = [root for root, _, files in os.walk(manifests)
                    if "kustomization.yaml" in files]
        self.assertTrue(overlays)
        for overlay in overlays:
            with self.subTest(overlay=os.path.relpath(overlay, SOURCE_DIR)):
                self.assertTrue(self.render(overlay))

    def test_katib_config_routes_algorithms_to_hpsearch(self):
        docs = self.render(os.path.join(SOURCE_DIR, "manifests", "katib-config"))
        [config_map] = [d for d in docs if d["kind"] == "ConfigMap"]
        self.assertEqual(config_map["metadata"]["name"], "katib-config")
        self.assertEqual(config_map["metadata"]["namespace"], "kubeflow")
        config = yaml.safe_load(config_map["data"]["katib-config.yaml"])
        self.assertEqual(config["kind"], "KatibConfig")
        images = {s["algorithmName"]: s["image"] for s in config["runtime"]["suggestions"]}
        for algorithm in HPSEARCH_ALGORITHMS:
            self.assertRegex(images.get(algorithm, ""), r"/hpsearch:",
                             f"{algorithm} must run the hpsearch image")
        for algorithm, image in images.items():
            if algorithm not in HPSEARCH_ALGORITHMS:
                self.assertNotRegex(image, r"/hpsearch:",
                                    f"hpsearch does not serve {algorithm}")


if __name__ == "__main__":
    SOURCE_DIR, BIN_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
