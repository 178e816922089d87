"""Benchmark `eks-tf-auth lint` on a large generated Terraform tree against parsing every file.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python: the commands measured are that venv's console
script and interpreter (the directory of sys.executable).

One run generates a corpus in a temporary directory (fixed seed, so the same bytes every time):
200 module directories, 60 root modules under live/ and 140 child modules under modules/, with
about 2,100 .tf files. Five root modules wire `data "aws_eks_cluster_auth"` into a provider token;
nothing else should produce a finding. hyperfine (--shell=none) then times `eks-tf-auth lint
--format json` on the whole tree, a one-line python-hcl2 script that parses every .tf file, and
checkov if it is installed. See bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from eks_tf_auth.lint.project import CONFIG_SUFFIXES, INTERESTING, SKIP_DIRS

SEED = 20261122
CHILD_MODULES = 140
ROOT_MODULES = 60
WIRED_ROOTS = 5
MIN_FILES = 2000
WARMUP = 1
DEFAULT_RUNS = 5
MIN_RUNS = 5
IMPORT_RUNS = 10
IMPORT_WARMUP = 2
SAMPLE_STEP = 10  # without --check, parse every 10th file (and all of the wired roots) up front
STRIPPED_PREFIXES = ("AWS_", "KUBERNETES_", "EKS_TF_AUTH_")
COMMAND_TIMEOUT = 300.0
LINT_EXIT_FINDINGS = 1
CHECKOV_EXITS = (0, 1)  # 1: failed checks, which a generated tree is bound to have

# Targets (medians): lint >= 20x faster than parsing every file, lint <= 1.5 s on the whole tree,
# and lint reports exactly the providers wired to aws_eks_cluster_auth.
LINT_SPEEDUP_MIN = 20.0
LINT_MAX_S = 1.5

PARSE_ALL = (
    "import pathlib, sys, hcl2; "
    "[hcl2.loads(p.read_text(encoding='utf-8')) "
    "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.tf'))]"
)
IMPORT_ONLY = "import hcl2"
FIRST_PARSE = "import hcl2; hcl2.loads('a = 1')"


class BenchError(Exception):
    """A measurement could not be made at all."""


# --- HCL text ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """Lines put into a block as they are (a comment, a heredoc whose end marker must stay put)."""

    text: str


@dataclass(frozen=True)
class Nest:
    """A nested block, written at indent 0 and indented where it is placed."""

    text: str


Item = tuple[str, str] | Raw | Nest


def block(header: str, items: Sequence[Item]) -> str:
    """A block formatted as `terraform fmt` would: `=` aligned over each run of attributes,
    a blank line between a run of attributes and a nested block."""
    out = [header + " {"]
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, v in run if "\n" not in v), default=0)
        for key, value in run:
            name = key if "\n" in value else key.ljust(width)
            lines = value.split("\n")
            out.append(f"  {name} = {lines[0]}")
            out.extend(("  " + line) if line else "" for line in lines[1:])
        run.clear()

    for item in items:
        if isinstance(item, tuple):
            run.append(item)
            continue
        had_run = bool(run)
        flush()
        if isinstance(item, Nest):
            if had_run:
                out.append("")
            out.extend(("  " + line) if line else "" for line in item.text.split("\n"))
        else:
            out.append(item.text)
    flush()
    out.append("}")
    return "\n".join(out)


def q(text: str) -> str:
    return json.dumps(text)


def hcl_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(values) + "]"


def hcl_object(pairs: Sequence[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in pairs)
    body = "\n".join(f"  {k.ljust(width)} = {v}" for k, v in pairs)
    return "{\n" + body + "\n}"


# --- corpus ------------------------------------------------------------------------------------

CATEGORIES: dict[str, tuple[str, ...]] = {
    "network": ("vpc", "subnets", "nat-gateway", "transit-gateway", "vpc-endpoints", "dns-zone"),
    "compute": ("ecs-cluster", "ecs-service", "asg", "lambda-function", "batch-queue", "bastion"),
    "data": ("rds-postgres", "aurora-mysql", "dynamodb-table", "redis", "s3-bucket", "opensearch"),
    "security": ("iam-role", "kms-key", "secrets", "guardduty", "security-baseline", "sso-groups"),
    "observability": ("alarms", "log-archive", "dashboards", "alerts-sns", "synthetics"),
    "eks": ("eks-cluster", "eks-nodegroup", "eks-addons", "karpenter", "irsa-role", "eks-access"),
    "edge": ("alb", "cloudfront", "acm-certificate", "api-gateway", "waf-rules"),
    "messaging": ("sqs-queue", "sns-topic", "eventbridge-bus", "kinesis-stream", "msk-topics"),
}
VARIANTS = ("", "-v2", "-shared", "-internal", "-legacy", "-regional")
ENVIRONMENTS = ("dev", "staging", "prod")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
STACKS = ("network", "platform-eks", "data", "apps", "observability", "edge")
KUBE_STACKS = ("platform-eks", "apps")
RESOURCE_NAMES = (
    "this",
    "main",
    "primary",
    "app",
    "api",
    "worker",
    "logs",
    "audit",
    "internal",
    "public",
    "replica",
    "archive",
    "events",
    "jobs",
    "default",
)
EXTRA_FILES = (
    "iam.tf",
    "security_groups.tf",
    "kms.tf",
    "logging.tf",
    "alarms.tf",
    "dns.tf",
    "storage.tf",
    "queues.tf",
    "lambda.tf",
    "ssm.tf",
    "notifications.tf",
    "compute.tf",
    "certificates.tf",
    "scaling.tf",
    "events.tf",
    "secrets.tf",
)
ROOT_EXTRA_FILES = (
    "iam.tf",
    "dns.tf",
    "monitoring.tf",
    "storage.tf",
    "ssm.tf",
    "queues.tf",
    "secrets.tf",
)
COMMON_VARIABLES = ("name", "environment", "tags", "vpc_id", "subnet_ids", "log_retention_days")
HEADERS = (
    "# Managed by Terraform. Changes outside Terraform are reverted on the next apply.\n",
    "// Owner: platform team (#platform-infra). Review required for changes to this file.\n",
    "/*\n * {title}\n *\n * Keep resource names stable: renaming forces replacement.\n */\n",
    "# {title}\n",
    "",
)


@dataclass
class Ctx:
    """What a module's generators share: its name, and resource names already used in it."""

    name: str
    category: str
    root: bool
    used: set[tuple[str, str]] = field(default_factory=set)
    variables: dict[str, str] = field(default_factory=dict)  # name -> block text


@dataclass
class ModuleDir:
    rel: str  # relative to the corpus root, POSIX
    root: bool
    files: dict[str, str]
    wired_providers: int = 0
    kube: bool = False


@dataclass(frozen=True)
class Corpus:
    path: Path
    modules: tuple[ModuleDir, ...]

    @property
    def files(self) -> int:
        return sum(len(m.files) for m in self.modules)

    @property
    def expected_findings(self) -> int:
        return sum(m.wired_providers for m in self.modules)

    @property
    def wired(self) -> tuple[ModuleDir, ...]:
        return tuple(m for m in self.modules if m.wired_providers)


class Gen:
    """Deterministic generators of plausible Terraform text (one random.Random, fixed seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, values: Sequence[str]) -> str:
        return values[self.rng.randrange(len(values))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def rname(self, ctx: Ctx, kind: str) -> str:
        for name in self.rng.sample(RESOURCE_NAMES, len(RESOURCE_NAMES)):
            if (kind, name) not in ctx.used:
                ctx.used.add((kind, name))
                return name
        n = 2
        while (kind, f"this_{n}") in ctx.used:
            n += 1
        ctx.used.add((kind, f"this_{n}"))
        return f"this_{n}"

    def var(self, ctx: Ctx, name: str, kind: str, default: str | None, description: str) -> str:
        """`var.NAME`, declaring the variable in the module's variables.tf."""
        if name not in ctx.variables:
            items: list[Item] = [("description", q(description)), ("type", kind)]
            if default is not None:
                items.append(("default", default))
            if name.endswith(("password", "secret")):
                items.append(("sensitive", "true"))
            ctx.variables[name] = block(f"variable {q(name)}", items)
        return f"var.{name}"

    def tags(self, ctx: Ctx, extra: str | None = None) -> str:
        if extra is None or self.chance(0.5):
            return "local.tags"
        return f'merge(local.tags, {{ Name = "${{var.name}}-{extra}" }})'

    def header(self, title: str) -> str:
        return self.pick(HEADERS).replace("{title}", title)

    def arn(self, service: str) -> str:
        return f'"arn:aws:{service}:${{var.region}}:${{var.account_id}}:*"'


Template = Callable[[Gen, Ctx], str]


def t_security_group(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_security_group")
    port = g.pick(("443", "5432", "6379", "8080", "9090", "3306"))
    g.var(ctx, "vpc_id", "string", None, "VPC to create resources in.")
    g.var(ctx, "allowed_cidrs", "list(string)", "[]", "CIDR blocks allowed to connect.")
    items: list[Item] = [
        ("name_prefix", f'"${{var.name}}-{n}-"'),
        ("description", q(f"{n.capitalize()} traffic for {ctx.name}")),
        ("vpc_id", "var.vpc_id"),
        Nest(
            block(
                "ingress",
                [
                    ("description", q(f"{n} from allowed networks")),
                    ("from_port", port),
                    ("to_port", port),
                    ("protocol", '"tcp"'),
                    ("cidr_blocks", "var.allowed_cidrs"),
                ],
            )
        ),
    ]
    if g.chance(0.5):
        items.append(
            Nest(
                block(
                    'dynamic "ingress"',
                    [
                        ("for_each", "var.ingress_rules"),
                        Nest(
                            block(
                                "content",
                                [
                                    ("from_port", "ingress.value.port"),
                                    ("to_port", "ingress.value.port"),
                                    ("protocol", 'lookup(ingress.value, "protocol", "tcp")'),
                                    ("security_groups", "ingress.value.security_group_ids"),
                                ],
                            )
                        ),
                    ],
                )
            )
        )
        g.var(
            ctx,
            "ingress_rules",
            "list(object({\n  port               = number\n  protocol           = optional(string)"
            "\n  security_group_ids = list(string)\n}))",
            "[]",
            "Extra ingress rules from other security groups.",
        )
    items += [
        Nest(
            block(
                "egress",
                [
                    ("from_port", "0"),
                    ("to_port", "0"),
                    ("protocol", '"-1"'),
                    ("cidr_blocks", '["0.0.0.0/0"]'),
                ],
            )
        ),
        ("tags", g.tags(ctx, n)),
        Nest(block("lifecycle", [("create_before_destroy", "true")])),
    ]
    return block(f'resource "aws_security_group" {q(n)}', items)


def t_iam_role(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_iam_role")
    service = g.pick(("ecs-tasks", "lambda", "ec2", "events", "states", "glue"))
    doc = block(
        f'data "aws_iam_policy_document" "{n}_assume"',
        [
            Nest(
                block(
                    "statement",
                    [
                        ("effect", '"Allow"'),
                        ("actions", '["sts:AssumeRole"]'),
                        Nest(
                            block(
                                "principals",
                                [
                                    ("type", '"Service"'),
                                    ("identifiers", f'["{service}.amazonaws.com"]'),
                                ],
                            )
                        ),
                    ],
                )
            )
        ],
    )
    role = block(
        f'resource "aws_iam_role" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("assume_role_policy", f"data.aws_iam_policy_document.{n}_assume.json"),
            ("max_session_duration", g.pick(("3600", "7200", "43200"))),
            ("tags", g.tags(ctx)),
        ],
    )
    policies = g.rng.sample(
        (
            "AmazonSSMManagedInstanceCore",
            "CloudWatchAgentServerPolicy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AWSXRayDaemonWriteAccess",
        ),
        2,
    )
    attach = block(
        f'resource "aws_iam_role_policy_attachment" {q(n)}',
        [
            ("for_each", "toset(" + hcl_list([q(p) for p in policies]) + ")"),
            ("role", f"aws_iam_role.{n}.name"),
            ("policy_arn", '"arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.key}"'),
        ],
    )
    return "\n\n".join((doc, role, attach))


def t_iam_policy_heredoc(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_iam_policy")
    actions = g.rng.sample(
        (
            '"s3:GetObject"',
            '"s3:PutObject"',
            '"s3:ListBucket"',
            '"sqs:SendMessage"',
            '"sqs:ReceiveMessage"',
            '"kms:Decrypt"',
            '"logs:PutLogEvents"',
            '"ssm:GetParameter"',
        ),
        3,
    )
    g.var(ctx, "bucket_arn", "string", None, "ARN of the bucket the workload reads from.")
    body = (
        "  policy      = <<EOF\n"
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        f'      "Sid": "{n.capitalize()}Access",\n'
        '      "Effect": "Allow",\n'
        f'      "Action": [{", ".join(actions)}],\n'
        '      "Resource": ["${var.bucket_arn}", "${var.bucket_arn}/*"]\n'
        "    }\n"
        "  ]\n"
        "}\n"
        "EOF"
    )
    return block(
        f'resource "aws_iam_policy" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("description", q(f"Least-privilege access for the {n} workload")),
            Raw(body),
            ("tags", g.tags(ctx)),
        ],
    )


def t_s3_bucket(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_s3_bucket")
    bucket = block(
        f'resource "aws_s3_bucket" {q(n)}',
        [
            ("bucket", f'"${{var.name}}-{n}-${{data.aws_caller_identity.current.account_id}}"'),
            ("force_destroy", "var.environment != \"prod\""),
            ("tags", g.tags(ctx, n)),
        ],
    )
    versioning = block(
        f'resource "aws_s3_bucket_versioning" {q(n)}',
        [
            ("bucket", f"aws_s3_bucket.{n}.id"),
            Nest(block("versioning_configuration", [("status", '"Enabled"')])),
        ],
    )
    sse = block(
        f'resource "aws_s3_bucket_server_side_encryption_configuration" {q(n)}',
        [
            ("bucket", f"aws_s3_bucket.{n}.id"),
            Nest(
                block(
                    "rule",
                    [
                        Nest(
                            block(
                                "apply_server_side_encryption_by_default",
                                [
                                    ("sse_algorithm", '"aws:kms"'),
                                    ("kms_master_key_id", "var.kms_key_arn"),
                                ],
                            )
                        ),
                        ("bucket_key_enabled", "true"),
                    ],
                )
            ),
        ],
    )
    g.var(ctx, "kms_key_arn", "string", "null", "KMS key for encryption at rest.")
    parts = [bucket, versioning, sse]
    if g.chance(0.6):
        parts.append(
            block(
                f'resource "aws_s3_bucket_public_access_block" {q(n)}',
                [
                    ("bucket", f"aws_s3_bucket.{n}.id"),
                    ("block_public_acls", "true"),
                    ("block_public_policy", "true"),
                    ("ignore_public_acls", "true"),
                    ("restrict_public_buckets", "true"),
                ],
            )
        )
    return "\n\n".join(parts)


def t_log_group(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_cloudwatch_log_group")
    g.var(ctx, "log_retention_days", "number", g.pick(("14", "30", "90", "365")), "Log retention.")
    items: list[Item] = [
        ("name", f'"/{ctx.category}/${{var.name}}/{n}"'),
        ("retention_in_days", "var.log_retention_days"),
        ("kms_key_id", "var.kms_key_arn"),
        ("tags", g.tags(ctx)),
    ]
    if g.chance(0.4):
        items.insert(0, ("count", "var.create_log_group ? 1 : 0"))
        g.var(ctx, "create_log_group", "bool", "true", "Create the CloudWatch log group.")
    g.var(ctx, "kms_key_arn", "string", "null", "KMS key for encryption at rest.")
    return block(f'resource "aws_cloudwatch_log_group" {q(n)}', items)


def t_alarm(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_cloudwatch_metric_alarm")
    metric, namespace, dim = g.pick(
        (
            "CPUUtilization|AWS/ECS|ServiceName",
            "FreeStorageSpace|AWS/RDS|DBInstanceIdentifier",
            "ApproximateAgeOfOldestMessage|AWS/SQS|QueueName",
            "5XXError|AWS/ApiGateway|ApiName",
            "Errors|AWS/Lambda|FunctionName",
        )
    ).split("|")
    g.var(ctx, "alarm_topic_arns", "list(string)", "[]", "SNS topics notified by alarms.")
    return block(
        f'resource "aws_cloudwatch_metric_alarm" {q(n)}',
        [
            ("alarm_name", f'"${{var.name}}-{n}-{metric.lower()}"'),
            ("alarm_description", q(f"{metric} breached for {ctx.name}")),
            ("comparison_operator", '"GreaterThanOrEqualToThreshold"'),
            ("evaluation_periods", g.pick(("2", "3", "5"))),
            ("metric_name", q(metric)),
            ("namespace", q(namespace)),
            ("period", g.pick(("60", "300"))),
            ("statistic", g.pick(('"Average"', '"Maximum"', '"Sum"'))),
            ("threshold", g.pick(("80", "90", "1", "300"))),
            ("treat_missing_data", '"notBreaching"'),
            ("alarm_actions", "var.alarm_topic_arns"),
            ("ok_actions", "var.alarm_topic_arns"),
            ("dimensions", hcl_object([(dim, "var.name")])),
            ("tags", g.tags(ctx)),
        ],
    )


def t_kms(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_kms_key")
    key = block(
        f'resource "aws_kms_key" {q(n)}',
        [
            ("description", q(f"{ctx.name} {n} encryption key")),
            ("deletion_window_in_days", g.pick(("7", "14", "30"))),
            ("enable_key_rotation", "true"),
            ("policy", f"data.aws_iam_policy_document.{n}_key.json"),
            ("tags", g.tags(ctx)),
        ],
    )
    alias = block(
        f'resource "aws_kms_alias" {q(n)}',
        [
            ("name", f'"alias/${{var.name}}-{n}"'),
            ("target_key_id", f"aws_kms_key.{n}.key_id"),
        ],
    )
    doc = block(
        f'data "aws_iam_policy_document" "{n}_key"',
        [
            Raw("  # Root of the account keeps full control; IAM policies grant the rest."),
            Nest(
                block(
                    "statement",
                    [
                        ("sid", '"EnableRootAccess"'),
                        ("actions", '["kms:*"]'),
                        ("resources", '["*"]'),
                        Nest(
                            block(
                                "principals",
                                [
                                    ("type", '"AWS"'),
                                    (
                                        "identifiers",
                                        '["arn:aws:iam::${data.aws_caller_identity.current'
                                        '.account_id}:root"]',
                                    ),
                                ],
                            )
                        ),
                    ],
                )
            ),
        ],
    )
    return "\n\n".join((key, alias, doc))


def t_route53(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_route53_record")
    g.var(ctx, "zone_id", "string", None, "Route 53 hosted zone.")
    g.var(ctx, "create_dns_record", "bool", "true", "Create the DNS record.")
    return block(
        f'resource "aws_route53_record" {q(n)}',
        [
            ("count", "var.create_dns_record ? 1 : 0"),
            ("zone_id", "var.zone_id"),
            ("name", f'"{n}.${{var.domain_name}}"'),
            ("type", '"A"'),
            Nest(
                block(
                    "alias",
                    [
                        ("name", "var.target_dns_name"),
                        ("zone_id", "var.target_zone_id"),
                        ("evaluate_target_health", "true"),
                    ],
                )
            ),
        ],
    )


def t_sqs(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_sqs_queue")
    dlq = block(
        f'resource "aws_sqs_queue" "{n}_dlq"',
        [
            ("name", f'"${{var.name}}-{n}-dlq"'),
            ("message_retention_seconds", "1209600"),
            ("sqs_managed_sse_enabled", "true"),
            ("tags", g.tags(ctx)),
        ],
    )
    queue = block(
        f'resource "aws_sqs_queue" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("visibility_timeout_seconds", g.pick(("30", "60", "300", "900"))),
            ("receive_wait_time_seconds", "20"),
            (
                "redrive_policy",
                "jsonencode({\n"
                f"  deadLetterTargetArn = aws_sqs_queue.{n}_dlq.arn\n"
                f"  maxReceiveCount     = {g.pick(('3', '5', '10'))}\n"
                "})",
            ),
            ("tags", g.tags(ctx, n)),
        ],
    )
    return f"{dlq}\n\n{queue}"


def t_sns(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_sns_topic")
    g.var(ctx, "alert_emails", "list(string)", "[]", "Addresses subscribed to alerts.")
    topic = block(
        f'resource "aws_sns_topic" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("kms_master_key_id", '"alias/aws/sns"'),
            ("tags", g.tags(ctx)),
        ],
    )
    sub = block(
        f'resource "aws_sns_topic_subscription" {q(n)}',
        [
            ("for_each", "toset(var.alert_emails)"),
            ("topic_arn", f"aws_sns_topic.{n}.arn"),
            ("protocol", '"email"'),
            ("endpoint", "each.value"),
        ],
    )
    return f"{topic}\n\n{sub}"


def t_lambda(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_lambda_function")
    runtime = g.pick(('"python3.12"', '"nodejs20.x"', '"provided.al2023"', '"java21"'))
    g.var(ctx, "subnet_ids", "list(string)", "[]", "Subnets for VPC-attached functions.")
    archive = block(
        f'data "archive_file" {q(n)}',
        [
            ("type", '"zip"'),
            ("source_dir", f'"${{path.module}}/functions/{n}"'),
            ("output_path", f'"${{path.module}}/.build/{n}.zip"'),
        ],
    )
    function = block(
        f'resource "aws_lambda_function" {q(n)}',
        [
            ("function_name", f'"${{var.name}}-{n}"'),
            ("role", "var.lambda_role_arn"),
            ("handler", '"main.handler"'),
            ("runtime", runtime),
            ("filename", f"data.archive_file.{n}.output_path"),
            ("source_code_hash", f"data.archive_file.{n}.output_base64sha256"),
            ("timeout", g.pick(("10", "30", "60", "300"))),
            ("memory_size", g.pick(("128", "256", "512", "1024"))),
            Nest(
                block(
                    "environment",
                    [
                        (
                            "variables",
                            hcl_object(
                                [
                                    ("LOG_LEVEL", 'var.environment == "prod" ? "INFO" : "DEBUG"'),
                                    ("TABLE_NAME", "var.table_name"),
                                    ("POWERTOOLS_SERVICE_NAME", q(n)),
                                ]
                            ),
                        )
                    ],
                )
            ),
            Nest(
                block(
                    'dynamic "vpc_config"',
                    [
                        ("for_each", "length(var.subnet_ids) > 0 ? [1] : []"),
                        Nest(
                            block(
                                "content",
                                [
                                    ("subnet_ids", "var.subnet_ids"),
                                    ("security_group_ids", "var.security_group_ids"),
                                ],
                            )
                        ),
                    ],
                )
            ),
            Nest(block("tracing_config", [("mode", '"Active"')])),
            ("tags", g.tags(ctx)),
        ],
    )
    return f"{archive}\n\n{function}"


def t_dynamodb(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_dynamodb_table")
    return block(
        f'resource "aws_dynamodb_table" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("billing_mode", '"PAY_PER_REQUEST"'),
            ("hash_key", '"pk"'),
            ("range_key", '"sk"'),
            Nest(block("attribute", [("name", '"pk"'), ("type", '"S"')])),
            Nest(block("attribute", [("name", '"sk"'), ("type", '"S"')])),
            Nest(block("attribute", [("name", '"gsi1pk"'), ("type", '"S"')])),
            Nest(
                block(
                    "global_secondary_index",
                    [
                        ("name", '"gsi1"'),
                        ("hash_key", '"gsi1pk"'),
                        ("range_key", '"sk"'),
                        ("projection_type", '"ALL"'),
                    ],
                )
            ),
            Nest(block("ttl", [("attribute_name", '"expires_at"'), ("enabled", "true")])),
            Nest(block("point_in_time_recovery", [("enabled", 'var.environment == "prod"')])),
            ("tags", g.tags(ctx, n)),
        ],
    )


def t_ecs_task(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_ecs_task_definition")
    port = g.pick(("8080", "3000", "9000", "8443"))
    g.var(ctx, "image", "string", None, "Container image, without the tag.")
    g.var(ctx, "image_tag", "string", '"latest"', "Container image tag.")
    g.var(ctx, "app_env", "map(string)", "{}", "Environment variables for the container.")
    definitions = (
        "jsonencode([\n"
        "  {\n"
        f'    name         = "{n}"\n'
        '    image        = "${var.image}:${var.image_tag}"\n'
        "    essential    = true\n"
        f'    portMappings = [{{ containerPort = {port}, protocol = "tcp" }}]\n'
        "    environment  = [for k, v in var.app_env : { name = k, value = v }]\n"
        "    logConfiguration = {\n"
        '      logDriver = "awslogs"\n'
        "      options = {\n"
        '        "awslogs-group"         = "/ecs/${var.name}"\n'
        '        "awslogs-region"        = var.region\n'
        f'        "awslogs-stream-prefix" = "{n}"\n'
        "      }\n"
        "    }\n"
        "  }\n"
        "])"
    )
    return block(
        f'resource "aws_ecs_task_definition" {q(n)}',
        [
            ("family", f'"${{var.name}}-{n}"'),
            ("requires_compatibilities", '["FARGATE"]'),
            ("network_mode", '"awsvpc"'),
            ("cpu", g.pick(("256", "512", "1024"))),
            ("memory", g.pick(("512", "1024", "2048"))),
            ("execution_role_arn", "var.execution_role_arn"),
            ("task_role_arn", "var.task_role_arn"),
            ("container_definitions", definitions),
            Nest(
                block(
                    "runtime_platform",
                    [
                        ("operating_system_family", '"LINUX"'),
                        ("cpu_architecture", g.pick(('"X86_64"', '"ARM64"'))),
                    ],
                )
            ),
            ("tags", g.tags(ctx)),
        ],
    )


def t_ssm(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_ssm_parameter")
    g.var(ctx, "parameters", "map(string)", "{}", "SSM parameters to publish, by name.")
    return block(
        f'resource "aws_ssm_parameter" {q(n)}',
        [
            ("for_each", "var.parameters"),
            ("name", f'"/${{var.environment}}/${{var.name}}/{n}/${{each.key}}"'),
            ("type", g.pick(('"String"', '"SecureString"'))),
            ("value", "each.value"),
            ("tier", '"Standard"'),
            ("tags", g.tags(ctx)),
        ],
    )


def t_local_exec(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "null_resource")
    script = g.pick(
        (
            "aws s3 sync ${path.module}/assets s3://${var.name}-assets/ --delete",
            "aws ecr get-login-password | docker login --username AWS --password-stdin "
            "${var.registry}",
            "python3 ${path.module}/scripts/seed.py --table ${var.table_name}",
            "aws lambda invoke --function-name ${var.name}-migrate /dev/null",
        )
    )
    command = (
        "<<-EOT\n"
        "  set -euo pipefail\n"
        '  echo "running in $${PWD}"\n'
        f"  {script}\n"
        "EOT"
    )
    return block(
        f'resource "null_resource" {q(n)}',
        [
            Raw("  # Runs on the machine that applies; needs the AWS CLI and credentials."),
            ("triggers", hcl_object([("checksum", 'sha256(jsonencode(var.tags))')])),
            Nest(
                block(
                    'provisioner "local-exec"',
                    [
                        ("interpreter", '["/bin/bash", "-c"]'),
                        ("command", command),
                        ("environment", hcl_object([("AWS_REGION", "var.region")])),
                    ],
                )
            ),
        ],
    )


def t_terraform_data(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "terraform_data")
    return block(
        f'resource "terraform_data" {q(n)}',
        [
            ("triggers_replace", "[var.name, var.environment]"),
            ("input", hcl_object([("revision", "var.revision"), ("owner", q("platform"))])),
        ],
    )


def t_launch_template(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_launch_template")
    user_data = (
        "base64encode(<<-EOF\n"
        "  #!/bin/bash\n"
        "  set -eux\n"
        "  dnf install -y amazon-cloudwatch-agent\n"
        '  echo "ENVIRONMENT=${var.environment}" >> /etc/environment\n'
        "  systemctl enable --now amazon-cloudwatch-agent\n"
        "EOF\n"
        ")"
    )
    return block(
        f'resource "aws_launch_template" {q(n)}',
        [
            ("name_prefix", f'"${{var.name}}-{n}-"'),
            ("image_id", "data.aws_ami.al2023.id"),
            ("instance_type", g.pick(('"t3.medium"', '"m6i.large"', '"c7g.xlarge"'))),
            ("user_data", user_data),
            Nest(
                block(
                    "block_device_mappings",
                    [
                        ("device_name", '"/dev/xvda"'),
                        Nest(
                            block(
                                "ebs",
                                [
                                    ("volume_size", g.pick(("20", "50", "100"))),
                                    ("volume_type", '"gp3"'),
                                    ("encrypted", "true"),
                                ],
                            )
                        ),
                    ],
                )
            ),
            Nest(
                block(
                    "metadata_options",
                    [("http_tokens", '"required"'), ("http_put_response_hop_limit", "2")],
                )
            ),
            Nest(
                block(
                    "tag_specifications",
                    [("resource_type", '"instance"'), ("tags", g.tags(ctx, n))],
                )
            ),
        ],
    )


def t_acm(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_acm_certificate")
    cert = block(
        f'resource "aws_acm_certificate" {q(n)}',
        [
            ("domain_name", "var.domain_name"),
            ("subject_alternative_names", '["*.${var.domain_name}"]'),
            ("validation_method", '"DNS"'),
            ("tags", g.tags(ctx)),
            Nest(block("lifecycle", [("create_before_destroy", "true")])),
        ],
    )
    validation = block(
        f'resource "aws_route53_record" "{n}_validation"',
        [
            (
                "for_each",
                "{\n"
                f"  for dvo in aws_acm_certificate.{n}.domain_validation_options : "
                "dvo.domain_name => {\n"
                "    name   = dvo.resource_record_name\n"
                "    record = dvo.resource_record_value\n"
                "    type   = dvo.resource_record_type\n"
                "  }\n"
                "}",
            ),
            ("zone_id", "var.zone_id"),
            ("name", "each.value.name"),
            ("type", "each.value.type"),
            ("records", "[each.value.record]"),
            ("ttl", "60"),
            ("allow_overwrite", "true"),
        ],
    )
    return f"{cert}\n\n{validation}"


def t_eventbridge(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_cloudwatch_event_rule")
    rule = block(
        f'resource "aws_cloudwatch_event_rule" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}"'),
            ("description", q(f"Schedules the {n} job")),
            ("schedule_expression", g.pick(('"rate(5 minutes)"', '"cron(0 3 * * ? *)"'))),
            ("state", 'var.enabled ? "ENABLED" : "DISABLED"'),
        ],
    )
    target = block(
        f'resource "aws_cloudwatch_event_target" {q(n)}',
        [
            ("rule", f"aws_cloudwatch_event_rule.{n}.name"),
            ("arn", "var.target_arn"),
            ("input", f'jsonencode({{ job = "{n}", dry_run = false }})'),
        ],
    )
    g.var(ctx, "enabled", "bool", "true", "Whether scheduled jobs run.")
    return f"{rule}\n\n{target}"


def t_secret(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_secretsmanager_secret")
    password = block(
        f'resource "random_password" {q(n)}',
        [("length", "32"), ("special", "true"), ("override_special", q("!#$%&*()-_=+[]{}<>:?"))],
    )
    secret = block(
        f'resource "aws_secretsmanager_secret" {q(n)}',
        [
            ("name_prefix", f'"${{var.environment}}/${{var.name}}/{n}-"'),
            ("recovery_window_in_days", 'var.environment == "prod" ? 30 : 0'),
            ("kms_key_id", "var.kms_key_arn"),
            ("tags", g.tags(ctx)),
        ],
    )
    version = block(
        f'resource "aws_secretsmanager_secret_version" {q(n)}',
        [
            ("secret_id", f"aws_secretsmanager_secret.{n}.id"),
            (
                "secret_string",
                "jsonencode({\n"
                f'  username = "{n}"\n'
                f"  password = random_password.{n}.result\n"
                "})",
            ),
        ],
    )
    g.var(ctx, "kms_key_arn", "string", "null", "KMS key for encryption at rest.")
    return "\n\n".join((password, secret, version))


def t_autoscaling(g: Gen, ctx: Ctx) -> str:
    n = g.rname(ctx, "aws_appautoscaling_target")
    target = block(
        f'resource "aws_appautoscaling_target" {q(n)}',
        [
            ("max_capacity", g.pick(("4", "10", "20"))),
            ("min_capacity", g.pick(("1", "2"))),
            ("resource_id", '"service/${var.cluster_name}/${var.name}"'),
            ("scalable_dimension", '"ecs:service:DesiredCount"'),
            ("service_namespace", '"ecs"'),
        ],
    )
    policy = block(
        f'resource "aws_appautoscaling_policy" {q(n)}',
        [
            ("name", f'"${{var.name}}-{n}-cpu"'),
            ("policy_type", '"TargetTrackingScaling"'),
            ("resource_id", f"aws_appautoscaling_target.{n}.resource_id"),
            ("scalable_dimension", f"aws_appautoscaling_target.{n}.scalable_dimension"),
            ("service_namespace", f"aws_appautoscaling_target.{n}.service_namespace"),
            Nest(
                block(
                    "target_tracking_scaling_policy_configuration",
                    [
                        ("target_value", g.pick(("50", "60", "70"))),
                        Nest(
                            block(
                                "predefined_metric_specification",
                                [("predefined_metric_type", '"ECSServiceAverageCPUUtilization"')],
                            )
                        ),
                    ],
                )
            ),
        ],
    )
    return f"{target}\n\n{policy}"


TEMPLATES: dict[str, tuple[Template, ...]] = {
    "iam.tf": (t_iam_role, t_iam_policy_heredoc),
    "security_groups.tf": (t_security_group,),
    "kms.tf": (t_kms,),
    "logging.tf": (t_log_group,),
    "alarms.tf": (t_alarm,),
    "monitoring.tf": (t_alarm, t_log_group),
    "dns.tf": (t_route53, t_acm),
    "storage.tf": (t_s3_bucket, t_dynamodb),
    "queues.tf": (t_sqs, t_sns),
    "lambda.tf": (t_lambda,),
    "ssm.tf": (t_ssm,),
    "notifications.tf": (t_sns, t_eventbridge),
    "compute.tf": (t_launch_template, t_ecs_task),
    "certificates.tf": (t_acm,),
    "scaling.tf": (t_autoscaling,),
    "events.tf": (t_eventbridge,),
    "secrets.tf": (t_secret,),
}
MAIN_TEMPLATES: tuple[Template, ...] = (
    t_security_group,
    t_s3_bucket,
    t_dynamodb,
    t_ecs_task,
    t_lambda,
    t_sqs,
    t_launch_template,
    t_iam_role,
    t_terraform_data,
)


def resources_file(g: Gen, ctx: Ctx, file: str, templates: Sequence[Template], n: int) -> str:
    title = f"{file.removesuffix('.tf').replace('_', ' ').capitalize()} for {ctx.name}"
    return join_blocks(g.header(title), [g.pick(templates)(g, ctx) for _ in range(n)])


def join_blocks(header: str, parts: Sequence[str]) -> str:
    return header + "\n\n".join(parts) + "\n"


def versions_file(g: Gen, with_providers: bool, kube: bool) -> str:
    tf = g.pick(('">= 1.5.0"', '">= 1.6, < 2.0"', '"~> 1.9"', '">= 1.3"'))
    if not with_providers:
        return block("terraform", [("required_version", tf)]) + "\n"
    providers: list[tuple[str, str]] = [
        (
            "aws",
            hcl_object(
                [
                    ("source", '"hashicorp/aws"'),
                    ("version", g.pick(('">= 5.40"', '"~> 5.0"', '">= 5.60, < 7.0"'))),
                ]
            ),
        )
    ]
    if g.chance(0.4):
        providers.append(
            ("random", hcl_object([("source", '"hashicorp/random"'), ("version", '"~> 3.6"')]))
        )
    if kube:
        providers += [
            (
                "kubernetes",
                hcl_object([("source", '"hashicorp/kubernetes"'), ("version", '"~> 2.31"')]),
            ),
            ("helm", hcl_object([("source", '"hashicorp/helm"'), ("version", '">= 2.14"')])),
        ]
    return (
        block(
            "terraform",
            [("required_version", tf), Nest(block("required_providers", providers))],
        )
        + "\n"
    )


def variables_file(g: Gen, ctx: Ctx) -> str:
    common = [
        block(
            'variable "name"',
            [
                ("description", q("Name prefix for every resource in this module.")),
                ("type", "string"),
                Nest(
                    block(
                        "validation",
                        [
                            ("condition", 'can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))'),
                            (
                                "error_message",
                                q("The name must be lower-case letters, digits and dashes."),
                            ),
                        ],
                    )
                ),
            ],
        ),
        block(
            'variable "environment"',
            [
                ("description", q("Deployment environment.")),
                ("type", "string"),
                Nest(
                    block(
                        "validation",
                        [
                            ("condition", 'contains(["dev", "staging", "prod"], var.environment)'),
                            ("error_message", q("Use dev, staging or prod.")),
                        ],
                    )
                ),
            ],
        ),
        block(
            'variable "tags"',
            [
                ("description", q("Tags added to every resource.")),
                ("type", "map(string)"),
                ("default", "{}"),
            ],
        ),
        block('variable "region"', [("type", "string"), ("default", '"us-east-1"')]),
        block('variable "account_id"', [("type", "string")]),
    ]
    common_names = ("name", "environment", "tags", "region", "account_id")
    declared = [v for k, v in sorted(ctx.variables.items()) if k not in common_names]
    return join_blocks("", common + declared)


def outputs_file(g: Gen, ctx: Ctx) -> str:
    outputs: list[str] = []
    for kind, name in sorted(ctx.used)[: g.rng.randint(2, 6)]:
        attr = "arn" if kind.startswith("aws_") and kind != "aws_route53_record" else "id"
        value = f"{kind}.{name}.{attr}"
        if kind in ("aws_ssm_parameter", "aws_iam_role_policy_attachment"):
            value = f"{{ for k, v in {kind}.{name} : k => v.{attr} }}"
        elif kind in ("aws_route53_record", "aws_cloudwatch_log_group") and g.chance(0.5):
            value = f"try({kind}.{name}[0].{attr}, null)"
        short = kind.removeprefix("aws_")
        items: list[Item] = [
            ("description", q(f"The {attr.upper()} of the {name} {short}.")),
            ("value", value),
        ]
        outputs.append(block(f'output "{name}_{short}_{attr}"', items))
    if not outputs:
        outputs.append(block('output "name"', [("value", "var.name")]))
    return join_blocks("", outputs)


def locals_file(g: Gen, ctx: Ctx) -> str:
    items: list[Item] = [
        ("name", '"${var.environment}-${var.name}"'),
        (
            "tags",
            "merge(var.tags, {\n"
            f'  Module      = "{ctx.category}/{ctx.name}"\n'
            "  Environment = var.environment\n"
            '  ManagedBy   = "terraform"\n'
            "})",
        ),
        ("is_prod", 'var.environment == "prod"'),
    ]
    if g.chance(0.5):
        items.append(("azs", "slice(data.aws_availability_zones.available.names, 0, 3)"))
        items.append(("private_cidrs", '[for i, az in local.azs : cidrsubnet("10.0.0.0/16", 4, i)]'))
    if g.chance(0.5):
        items.append(Raw("\n  # Only the features switched on for this environment."))
        items.append(("enabled_features", "{ for k, v in var.features : k => v if v.enabled }"))
        g.var(
            ctx,
            "features",
            "map(object({\n  enabled = bool\n  config  = optional(map(string), {})\n}))",
            "{}",
            "Optional features, by name.",
        )
    return block("locals", items) + "\n"


def data_file(g: Gen) -> str:
    parts = [
        'data "aws_caller_identity" "current" {}',
        'data "aws_partition" "current" {}',
        'data "aws_region" "current" {}',
        block('data "aws_availability_zones" "available"', [("state", '"available"')]),
    ]
    if g.chance(0.5):
        parts.append(
            block(
                'data "aws_ami" "al2023"',
                [
                    ("most_recent", "true"),
                    ("owners", '["amazon"]'),
                    Nest(
                        block(
                            "filter",
                            [("name", '"name"'), ("values", '["al2023-ami-2023.*-x86_64"]')],
                        )
                    ),
                ],
            )
        )
    return join_blocks("", parts)


def module_call(
    g: Gen, name: str, source: str, ctx: Ctx, extra: Sequence[tuple[str, str]] = ()
) -> str:
    items: list[Item] = [("source", q(source))]
    if not source.startswith("."):
        items.append(("version", g.pick(('"~> 5.0"', '"~> 20.8"', '">= 4.1"'))))
    items.append(Raw(""))
    items += [("name", f'"${{local.name}}-{name}"'), ("environment", "var.environment")]
    items += list(extra)
    items.append(("tags", "local.tags"))
    if g.chance(0.2):
        items.append(Raw("\n  # Created after the network so the endpoints resolve."))
        items.append(("depends_on", "[module.network]" if name != "network" else "[]"))
    return block(f"module {q(name.replace('-', '_'))}", items)


def child_module(g: Gen, rel: str, category: str, name: str, siblings: Sequence[str]) -> ModuleDir:
    ctx = Ctx(name=name, category=category, root=False)
    files: dict[str, str] = {}
    extras = g.rng.sample(EXTRA_FILES, g.rng.randint(4, 7))
    main = [g.pick(MAIN_TEMPLATES)(g, ctx) for _ in range(g.rng.randint(2, 4))]
    if g.chance(0.15):
        sibling = g.pick([s for s in siblings if s != name])
        main.append(
            module_call(
                g, sibling, f"../{sibling}", ctx, [("kms_key_arn", "var.kms_key_arn")]
            )
        )
    if g.chance(0.12):
        main.append(t_local_exec(g, ctx))
    files["main.tf"] = join_blocks(g.header(f"{category}/{name}"), main)
    for file in extras:
        files[file] = resources_file(g, ctx, file, TEMPLATES[file], g.rng.randint(1, 2))
    if g.chance(0.7):
        files["locals.tf"] = locals_file(g, ctx)
    if g.chance(0.5):
        files["data.tf"] = data_file(g)
    if g.chance(0.8):
        files["versions.tf"] = versions_file(g, g.chance(0.75), kube=category == "eks")
    files["outputs.tf"] = outputs_file(g, ctx)
    files["variables.tf"] = variables_file(g, ctx)
    return ModuleDir(rel, root=False, files=files)


# --- root modules ------------------------------------------------------------------------------


def exec_block(g: Gen, cluster: str, style: str) -> str:
    if g.chance(0.5):
        command, args = (
            '"aws"',
            f'["eks", "get-token", "--cluster-name", {cluster}, "--region", var.region, '
            '"--output", "json"]',
        )
    else:
        command, args = (
            '"eks-tf-auth"',
            f'["exec", "--cluster-name", {cluster}, "--region", var.region]',
        )
    items: list[tuple[str, str]] = [
        ("api_version", '"client.authentication.k8s.io/v1beta1"'),
        ("command", command),
        ("args", args),
    ]
    if style == "object":
        return "exec = " + hcl_object(items)
    return block("exec", list(items))


def kube_file(g: Gen, ctx: Ctx, wired: int | None) -> tuple[str, int]:
    """kubernetes.tf of a root with an EKS cluster: exec blocks, or (wired) the plan-time token.
    Returns the text and the number of provider connections whose token is the data source's."""
    cluster = "module.eks.cluster_name"
    host = "data.aws_eks_cluster.this.endpoint"
    ca = "base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)"
    parts = [block('data "aws_eks_cluster" "this"', [("name", cluster)])]
    wired_count = 0
    if wired is None:
        conn: list[Item] = [("host", host), ("cluster_ca_certificate", ca)]
        parts.append(
            block('provider "kubernetes"', [*conn, Nest(exec_block(g, cluster, "block"))])
        )
        if g.chance(0.5):
            inner = block("kubernetes", [*conn, Nest(exec_block(g, cluster, "block"))])
            parts.append(block('provider "helm"', [Nest(inner)]))
        else:
            obj = (
                "{\n"
                f"  host                   = {host}\n"
                f"  cluster_ca_certificate = {ca}\n"
                + "  "
                + exec_block(g, cluster, "object").replace("\n", "\n  ")
                + "\n}"
            )
            parts.append(block('provider "helm"', [("kubernetes", obj)]))
    else:
        token = "data.aws_eks_cluster_auth.this.token"
        parts.append(
            block(
                'data "aws_eks_cluster_auth" "this"',
                [Raw("  # TODO(platform): move to exec auth, see PLAT-1432."), ("name", cluster)],
            )
        )
        if wired == 1:
            parts.append(block("locals", [("cluster_token", token)]))
            token = "local.cluster_token"
        conn = [("host", host), ("cluster_ca_certificate", ca), ("token", token)]
        parts.append(block('provider "kubernetes"', conn))
        wired_count += 1
        if wired == 4:
            parts.append(block('provider "kubernetes"', [("alias", '"addons"'), *conn]))
            wired_count += 1
        if wired == 3:
            obj = (
                "{\n"
                f"  host                   = {host}\n"
                f"  cluster_ca_certificate = {ca}\n"
                f"  token                  = {token}\n"
                "}"
            )
            parts.append(block('provider "helm"', [("kubernetes", obj)]))
        else:
            parts.append(block('provider "helm"', [Nest(block("kubernetes", conn))]))
        wired_count += 1
        if wired == 2:
            parts.append(block('provider "kubectl"', [*conn, ("load_config_file", "false")]))
            wired_count += 1
    namespace = g.pick(("platform", "apps", "monitoring", "ingress"))
    parts.append(
        block(
            'resource "kubernetes_namespace" "this"',
            [
                Nest(
                    block(
                        "metadata",
                        [
                            ("name", q(namespace)),
                            ("labels", hcl_object([('"app.kubernetes.io/managed-by"', '"terraform"')])),
                        ],
                    )
                )
            ],
        )
    )
    chart = g.pick(("aws-load-balancer-controller", "external-dns", "cert-manager", "karpenter"))
    parts.append(
        block(
            f'resource "helm_release" {q(chart.replace("-", "_"))}',
            [
                ("name", q(chart)),
                ("repository", '"https://charts.example.com/stable"'),
                ("chart", q(chart)),
                ("version", g.pick(('"1.8.1"', '"v1.15.3"', '"0.37.0"'))),
                ("namespace", "kubernetes_namespace.this.metadata[0].name"),
                (
                    "values",
                    "[yamlencode({\n"
                    "  clusterName = module.eks.cluster_name\n"
                    "  serviceAccount = {\n"
                    "    annotations = {\n"
                    '      "eks.amazonaws.com/role-arn" = module.irsa.iam_role_arn\n'
                    "    }\n"
                    "  }\n"
                    "})]",
                ),
                Nest(block("set", [("name", '"replicaCount"'), ("value", '"2"')])),
            ],
        )
    )
    return join_blocks(g.header(f"Kubernetes access for {ctx.name}"), parts), wired_count


def root_module(
    g: Gen,
    rel: str,
    env: str,
    region: str,
    stack: str,
    children: Sequence[tuple[str, str]],
    wired: int | None,
) -> ModuleDir:
    ctx = Ctx(name=f"{env}-{stack}", category="live", root=True)
    depth = rel.count("/") + 1
    up = "../" * depth
    files: dict[str, str] = {}
    files["backend.tf"] = (
        block(
            "terraform",
            [
                Nest(
                    block(
                        'backend "s3"',
                        [
                            ("bucket", q(f"acme-terraform-state-{env}")),
                            ("key", q(f"{rel}/terraform.tfstate")),
                            ("region", q(region)),
                            ("dynamodb_table", '"terraform-locks"'),
                            ("encrypt", "true"),
                        ],
                    )
                )
            ],
        )
        + "\n"
    )
    kube = stack in KUBE_STACKS
    files["versions.tf"] = versions_file(g, True, kube=kube)
    assume = block(
        "assume_role",
        [("role_arn", '"arn:aws:iam::${var.account_id}:role/terraform-apply"')],
    )
    default_tags = block(
        "default_tags",
        [("tags", hcl_object([("Environment", q(env)), ("Stack", q(stack))]))],
    )
    providers = [
        block('provider "aws"', [("region", "var.region"), Nest(assume), Nest(default_tags)])
    ]
    if g.chance(0.4):
        providers.append(
            block(
                'provider "aws"',
                [("alias", '"us_east_1"'), ("region", '"us-east-1"'), Nest(assume)],
            )
        )
    files["providers.tf"] = join_blocks(g.header(f"Providers for {rel}"), providers)
    calls = []
    chosen = g.rng.sample(list(children), g.rng.randint(2, 5))
    if kube:
        chosen = [c for c in children if c[1] in ("eks-cluster", "irsa-role")][:2] + chosen[:3]
    seen: set[str] = set()
    for category, name in chosen:
        call = name
        for suffix in VARIANTS[1:]:
            call = call.removesuffix(suffix)
        alias = {"eks-cluster": "eks", "irsa-role": "irsa"}.get(call, call)
        if alias in seen:
            continue
        seen.add(alias)
        extra: list[tuple[str, str]] = [("vpc_id", "data.terraform_remote_state.network.outputs.vpc_id")]
        if g.chance(0.5):
            extra.append(("subnet_ids", "data.terraform_remote_state.network.outputs.private_subnet_ids"))
        calls.append(module_call(g, alias, f"{up}modules/{category}/{name}", ctx, extra))
    if g.chance(0.3):
        calls.append(
            module_call(g, "label", "cloudposse/label/null", ctx, [("namespace", '"acme"')])
        )
    if g.chance(0.2):
        calls.append(t_local_exec(g, ctx))
    files["main.tf"] = join_blocks(g.header(f"{stack} stack, {env} in {region}"), calls)
    files["data.tf"] = join_blocks(
        "",
        [
            block(
                'data "terraform_remote_state" "network"',
                [
                    ("backend", '"s3"'),
                    (
                        "config",
                        hcl_object(
                            [
                                ("bucket", q(f"acme-terraform-state-{env}")),
                                ("key", q(f"live/{env}/{region}/network/terraform.tfstate")),
                                ("region", q(region)),
                            ]
                        ),
                    ),
                ],
            ),
            'data "aws_caller_identity" "current" {}',
        ],
    )
    files["locals.tf"] = locals_file(g, ctx)
    wired_count = 0
    if kube:
        files["kubernetes.tf"], wired_count = kube_file(g, ctx, wired)
    for file in g.rng.sample(ROOT_EXTRA_FILES, g.rng.randint(2, 4)):
        files[file] = resources_file(g, ctx, file, TEMPLATES[file], 1)
    g.var(ctx, "vpc_cidr", "string", '"10.0.0.0/16"', "CIDR of the VPC.")
    files["variables.tf"] = variables_file(g, ctx)
    files["outputs.tf"] = outputs_file(g, ctx)
    return ModuleDir(rel, root=True, files=files, wired_providers=wired_count, kube=kube)


def generate(dest: Path, seed: int) -> Corpus:
    g = Gen(seed)
    children: list[tuple[str, str]] = []
    per_category = {c: list(names) for c, names in CATEGORIES.items()}
    variant = 0
    while len(children) < CHILD_MODULES:
        for category, names in per_category.items():
            for name in names:
                if len(children) < CHILD_MODULES:
                    children.append((category, name + VARIANTS[variant]))
        variant += 1
    modules: list[ModuleDir] = []
    for category, name in children:
        siblings = [n for c, n in children if c == category]
        modules.append(child_module(g, f"modules/{category}/{name}", category, name, siblings))
    combos = [(e, r, s) for e in ENVIRONMENTS for r in REGIONS for s in STACKS]
    roots = sorted(g.rng.sample(combos, ROOT_MODULES))
    kube_roots = [i for i, (_, _, s) in enumerate(roots) if s in KUBE_STACKS]
    wired = {root: n for n, root in enumerate(sorted(g.rng.sample(kube_roots, WIRED_ROOTS)))}
    for i, (env, region, stack) in enumerate(roots):
        rel = f"live/{env}/{region}/{stack}"
        modules.append(root_module(g, rel, env, region, stack, children, wired.get(i)))
    for module in modules:
        directory = dest / module.rel
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in module.files.items():
            (directory / name).write_text(text, encoding="utf-8")
    return Corpus(dest, tuple(modules))
