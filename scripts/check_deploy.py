#!/usr/bin/env python3
"""The offline checks of the Kubernetes and AWS deployment (`make check-deploy-manifests`):
nothing here is applied to a cluster or an AWS account, and nothing is downloaded while it
checks (the tools are installed beforehand by make: checkov into .venv-checkov, the custom
resources' schemas with `npm ci` in deploy/checks).

1. `terraform fmt -check -recursive` of deploy/terraform;
2. `kubectl kustomize` of every overlay under deploy/kubernetes/overlays;
3. every rendered Kubernetes resource against the schemas of the Kubernetes version the
   Terraform creates (kubernetes-validate, strict: unknown fields fail too);
4. the custom resources (KEDA, Prometheus Operator) against their own schemas
   (deploy/checks/validate-crds.mjs);
5. checkov over the Terraform, the rendered manifests and docker/Dockerfile: every finding is
   fixed or skipped inline with its reason, so any failed check fails this step;
6. shellcheck of the release script, scripts/aws.sh.

A tool that is missing (terraform, kubectl, node, shellcheck) skips the steps that need it with a printed
note; a step that runs and finds a problem fails. Exits non-zero when any step failed.

    python scripts/check_deploy.py [--checkov .venv-checkov/bin/checkov]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = ROOT / "deploy" / "terraform"
OVERLAYS = ROOT / "deploy" / "kubernetes" / "overlays"
CHECKS = ROOT / "deploy" / "checks"


def kubernetes_version() -> str:
    """The default of var.kubernetes_version: the version the cluster runs."""
    variables = (TERRAFORM / "aws" / "variables.tf").read_text()
    block = re.search(r'variable "kubernetes_version" \{(.*?)\n\}', variables, re.S)
    assert block, "variable kubernetes_version not found in deploy/terraform/aws/variables.tf"
    default = re.search(r'default\s*=\s*"([0-9.]+)"', block.group(1))
    assert default, "variable kubernetes_version has no default"
    return default.group(1)


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = False

    def ok(self, step: str, detail: str) -> None:
        self._add("ok", step, detail)

    def skip(self, step: str, why: str) -> None:
        self._add("skipped", step, why)

    def fail(self, step: str, detail: str) -> None:
        self.failed = True
        self._add("FAILED", step, detail)

    def _add(self, status: str, step: str, detail: str) -> None:
        line = f"{status:>8}  {step}: {detail}"
        self.lines.append(line)
        print(f"--> {line}", flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("$ " + " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, text=True, capture_output=True, **kwargs)


def terraform_fmt(report: Report) -> None:
    step = "terraform fmt -check -recursive"
    if not shutil.which("terraform"):
        report.skip(step, "no terraform binary on PATH (install Terraform >= 1.10 to run it)")
        return
    result = run(["terraform", "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)])
    if result.returncode == 0:
        report.ok(step, "every .tf file under deploy/terraform is formatted")
    else:
        print(result.stdout + result.stderr)
        report.fail(step, "files to format (run `terraform fmt -recursive deploy/terraform`)")


def render(report: Report, into: Path) -> list[Path]:
    overlays = sorted(path.parent for path in OVERLAYS.glob("*/kustomization.yaml"))
    step = "kubectl kustomize"
    if not shutil.which("kubectl"):
        report.skip(step, "no kubectl on PATH: the overlays were not rendered, nor validated or scanned")
        return []
    rendered = []
    for overlay in overlays:
        result = run(["kubectl", "kustomize", str(overlay)])
        if result.returncode != 0:
            print(result.stderr)
            report.fail(f"{step} {overlay.name}", "does not render")
            continue
        target = into / f"{overlay.name}.yaml"
        target.write_text(result.stdout)
        count = sum(1 for doc in yaml.safe_load_all(result.stdout) if doc)
        report.ok(f"{step} {overlay.name}", f"{count} resources")
        rendered.append(target)
    return rendered


def validate_schemas(report: Report, rendered: list[Path], version: str) -> set[str]:
    """Kubernetes' own kinds against the schemas of `version`; returns the custom kinds seen."""
    import kubernetes_validate

    custom: set[str] = set()
    for path in rendered:
        step = f"kubernetes-validate {path.stem} (Kubernetes {version}, strict)"
        errors, checked = [], 0
        for resource in yaml.safe_load_all(path.read_text()):
            if not resource:
                continue
            try:
                kubernetes_validate.validate(resource, version, strict=True)
                checked += 1
            except kubernetes_validate.SchemaNotFoundError:
                custom.add(f"{resource['apiVersion']} {resource['kind']}")
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(part) for part in error.path)
                errors.append(f"{resource['kind']}/{resource['metadata']['name']}: {where}: {error.message}")
        if errors:
            print("\n".join(errors))
            report.fail(step, f"{len(errors)} invalid resources")
        else:
            report.ok(step, f"{checked} resources valid")
    return custom


def validate_custom_resources(report: Report, rendered: list[Path], custom: set[str]) -> None:
    step = "custom resources against their own schemas"
    if not custom:
        return
    kinds = ", ".join(sorted(custom))
    if not (shutil.which("node") and shutil.which("npm")):
        report.skip(step, f"no node/npm on PATH: {kinds} not validated")
        return
    installed = CHECKS / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (CHECKS / "package-lock.json").stat().st_mtime:
        report.skip(step, f"their schemas are not installed (`make crd-schemas`): {kinds} not validated")
        return
    result = run(["node", str(CHECKS / "validate-crds.mjs"), *map(str, rendered)])
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    print("\n".join(errors) or result.stderr)
    if result.returncode == 0:
        count = result.stdout.count("\nINFO ") + result.stdout.startswith("INFO ")
        report.ok(step, f"{count} resources valid ({kinds})")
    else:
        report.fail(step, f"{len(errors)} problems")


def checkov(report: Report, executable: str | None, rendered: list[Path], manifests: Path) -> None:
    step = "checkov"
    if not executable or not Path(executable).exists():
        report.fail(step, "checkov is not installed: run `make checkov-venv` (or pass --checkov)")
        return
    scans = [
        ("terraform", ["-d", str(TERRAFORM), "--framework", "terraform"]),
        ("dockerfile", ["-f", str(ROOT / "docker" / "Dockerfile"), "--framework", "dockerfile"]),
    ]
    if rendered:
        scans.append(("kubernetes", ["-d", str(manifests), "--framework", "kubernetes"]))
    else:
        report.skip(f"{step} kubernetes", "no rendered manifests to scan (kubectl missing)")
    for name, arguments in scans:
        # --skip-download: no policies or guidelines fetched from the vendor's platform.
        result = run([executable, *arguments, "--skip-download", "--compact", "--quiet", "--output", "cli"])
        summary = re.search(
            r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)", result.stdout
        )
        if result.returncode == 0 and summary and summary.group(2) == "0":
            report.ok(
                f"{step} {name}",
                f"{summary.group(1)} passed, 0 failed, {summary.group(3)} skipped inline with a reason",
            )
        else:
            print(result.stdout + result.stderr)
            report.fail(f"{step} {name}", summary.group(0) if summary else f"exit {result.returncode}")


def shellcheck(report: Report) -> None:
    step = "shellcheck scripts/aws.sh"
    if not shutil.which("shellcheck"):
        report.skip(step, "no shellcheck on PATH (Debian: apt-get install shellcheck)")
        return
    result = run(["shellcheck", str(ROOT / "scripts" / "aws.sh")])
    if result.returncode == 0:
        report.ok(step, "no findings")
    else:
        print(result.stdout + result.stderr)
        report.fail(step, "findings above")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkov", default=str(ROOT / ".venv-checkov" / "bin" / "checkov"))
    options = parser.parse_args()

    report = Report()
    version = kubernetes_version()
    terraform_fmt(report)
    with tempfile.TemporaryDirectory(prefix="mallbots-manifests-") as tmp:
        manifests = Path(tmp)
        rendered = render(report, manifests)
        custom = validate_schemas(report, rendered, version)
        validate_custom_resources(report, rendered, custom)
        checkov(report, options.checkov, rendered, manifests)
    shellcheck(report)

    print("\nDeployment checks (offline; nothing applied to a cluster or an AWS account):")
    print("\n".join(report.lines))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
