"""The AWS Terraform (deploy/terraform/aws) read as text: split by resource, community modules
and Helm charts pinned to exact versions, every variable described and the sizes validated,
Redis that never evicts, and the outputs that the release script and the aws overlay read.
Nothing is planned or applied (that needs an AWS account); `make check-deploy-manifests`
adds terraform fmt and checkov."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "deploy" / "terraform" / "aws"


def blocks(kind: str) -> dict[str, str]:
    """`<kind> "name" { ... }` blocks of every .tf file, by name (top-level blocks end at a
    closing brace in the first column)."""
    found = {}
    for path in STACK.glob("*.tf"):
        for match in re.finditer(
            rf'^{kind} "([\w-]+)"(?: "([\w-]+)")? \{{\n(.*?)^\}}', path.read_text(), re.M | re.S
        ):
            name = (match.group(2) and f"{match.group(1)}.{match.group(2)}") or match.group(1)
            found[name] = match.group(3)
    return found


def test_the_stack_is_split_by_resource_as_the_seed_describes():
    # when
    files = sorted(path.name for path in STACK.glob("*.tf"))

    # then
    for name in [
        "vpc.tf",
        "security_groups.tf",
        "eks.tf",
        "rds.tf",
        "ecr.tf",
        "alb.tf",
        "elasticache.tf",
        "keda.tf",
    ]:
        assert name in files
    assert 'module "vpc"' in (STACK / "vpc.tf").read_text()
    assert 'module "eks"' in (STACK / "eks.tf").read_text()


def test_community_modules_and_helm_charts_are_pinned_to_exact_versions():
    # when
    modules = blocks("module")
    releases = {name: body for name, body in blocks("resource").items() if name.startswith("helm_release.")}

    # then
    assert sorted(modules) == ["aws_lb_controller_pod_identity", "eks", "vpc"]
    for name, body in {**modules, **releases}.items():
        assert re.search(r'^\s*version\s*=\s*"\d+\.\d+\.\d+"$', body, re.M), name
    charts = {re.search(r'chart\s*=\s*"([\w-]+)"', body).group(1) for body in releases.values()}
    assert charts == {"aws-load-balancer-controller", "keda", "kube-prometheus-stack"}


def test_every_variable_is_described_and_the_inputs_that_shape_the_stack_are_validated():
    # when
    variables = blocks("variable")

    # then
    assert [name for name, body in variables.items() if "description =" not in body] == []
    validated = {name for name, body in variables.items() if "validation {" in body}
    for name in [
        "allowed_cidr_block",
        "region",
        "kubernetes_version",
        "node_instance_types",
        "node_min_size",
        "node_desired_size",
        "node_max_size",
        "database_min_capacity",
        "database_max_capacity",
        "redis_node_type",
        "redis_nodes",
    ]:
        assert name in validated, name
    assert "default" not in variables["allowed_cidr_block"]


def test_the_database_and_the_cache_are_reachable_only_from_the_cluster_and_the_allowed_block():
    # when
    rules = {
        name: body
        for name, body in blocks("resource").items()
        if ".aws_vpc_security_group_ingress_rule." in f".{name}"
    }

    # then every ingress rule admits the cluster's nodes or the allowed CIDR block, nothing else
    assert rules
    for name, body in rules.items():
        source = re.search(r"(cidr_ipv4|referenced_security_group_id)\s*=\s*(\S+)", body).group(2)
        assert source in ("var.allowed_cidr_block", "module.eks.node_security_group_id"), name
    database = blocks("resource")["aws_rds_cluster_instance.main"]
    assert re.search(r"publicly_accessible\s*=\s*false", database)


def test_aurora_is_serverless_v2_and_redis_never_evicts_over_tls():
    # when
    resources = blocks("resource")

    # then
    cluster, instance = resources["aws_rds_cluster.main"], resources["aws_rds_cluster_instance.main"]
    assert 'engine             = "aurora-postgresql"' in cluster
    assert "serverlessv2_scaling_configuration {" in cluster
    assert 'instance_class     = "db.serverless"' in instance
    parameters = resources["aws_elasticache_parameter_group.redis"]
    assert re.search(r'name\s*=\s*"maxmemory-policy"\s*\n\s*value\s*=\s*"noeviction"', parameters)
    redis = resources["aws_elasticache_replication_group.redis"]
    assert re.search(r"transit_encryption_enabled\s*=\s*true", redis)
    assert re.search(r'image_tag_mutability\s*=\s*"IMMUTABLE"', resources["aws_ecr_repository.mallbots"])


def test_the_outputs_feed_the_release_script_and_the_aws_overlay():
    # given
    outputs = blocks("output")
    script = (ROOT / "scripts" / "aws.sh").read_text()
    cluster_env = (ROOT / "deploy" / "kubernetes" / "overlays" / "aws" / "cluster.env").read_text()

    # when
    read = set(re.findall(r"\$\(output (\w+)\)|^\s*output (\w+)$", script, re.M))
    read = {name for pair in read for name in pair if name}
    written = set(re.findall(r'"([A-Z_]+)=\$\{', outputs["cluster_env"]))

    # then
    assert read <= set(outputs), sorted(read - set(outputs))
    assert {"ecr_repository_url", "cluster_env", "database_password", "redis_auth_token"} <= read
    assert written | {"IMAGE"} == set(re.findall(r"^([A-Z_]+)=", cluster_env, re.M))


def test_the_manifests_are_validated_against_the_kubernetes_version_the_cluster_runs():
    # given
    version = re.search(r'default\s*=\s*"([\d.]+)"', blocks("variable")["kubernetes_version"]).group(1)

    # when
    import scripts.check_deploy as check

    # then
    assert check.kubernetes_version() == version
    assert re.search(r"kubernetes_version\s*=\s*var\.kubernetes_version", blocks("module")["eks"])
