"""Benchmark `eks-tf-auth lint` on a large generated Terraform tree against parsing every file.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python: the commands measured are that venv's console
script and interpreter (the directory of sys.executable).

One run generates a corpus in a temporary directory (fixed seed, so the same bytes every time):
200 module directories, 60 root modules under live/ and 140 child modules under modules/, with
about 2,100 .tf files. Five root modules wire `data "aws_eks_cluster_auth"` into a provider token.
Beside them, a Terragrunt layer under terragrunt/ (see TG_UNITS): a root.hcl, _envcommon files and
48 units whose generate blocks write providers; three units generate the data source and the
providers that read it, and one takes a token from a dependency's output. Nothing else should
produce a finding. Beside the .tf files, as in a real repository, each module
has a README.md, each root a .terraform.lock.hcl, and every tenth root a plan saved as `plan.out`
(`terraform show -json` output without a token): lint sniffs the first KiB of each file no name
accounts for, to find plans by their content, and these keep that cost in the measurement.
hyperfine (--shell=none) then times `eks-tf-auth lint --format json` on the whole tree, a one-line
python-hcl2 script that parses every .tf file, and checkov if it is installed. See
bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from textwrap import fill, indent

from harness import (
    BenchError,
    Case,
    Target,
    Timing,
    finish,
    guarded,
    host,
    hyperfine,
    hyperfine_version,
    isolated_env,
    last_line,
    peak_rss_mib,
    print_targets,
    progress,
    require_hyperfine,
    run,
    runs_at_least,
    venv_bin,
)

from eks_tf_auth.lint.hcl import CONFIG_SUFFIXES
from eks_tf_auth.lint.loader import SKIP_DIRS, load

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
COMMAND_TIMEOUT = 300.0
LINT_EXIT_FINDINGS = 1
CHECKOV_EXITS = (0, 1)  # 1: failed checks, which a generated tree is bound to have
CHECKOV_ENV = "EKS_TF_AUTH_BENCH_CHECKOV"
# One checkov run takes a minute or more here (about 50x lint): it is timed once, apart from the
# lint runs, which is plenty for a ratio that large. tflint is timed the same way where it is on
# PATH (it is neither on PyPI nor in Debian).
PEER_RUNS = 1
RSS_RUNS = 3
PROG = "lint_bench"

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


# --- corpus ------------------------------------------------------------------------------------
#
# Templates are Terraform text as `terraform fmt` writes it. `@key@` is filled in once per use:
# `@n@` is a resource name unique in the module, `@Title@` the same capitalised, `@module@` and
# `@category@` name the module, any other key is drawn from CHOICES (or JOINT, for values that
# go together). A line starting `?x|` is kept or dropped with the other lines of group x, on one
# coin toss per use. variables.tf declares every `var.` the module's files reference, outputs.tf
# exports some of its resources, so each module is consistent with itself.

PLACEHOLDER = re.compile(r"@(\w+)@")
OPTIONAL = re.compile(r"^\?(\w)\|")
VAR_REF = re.compile(r"\bvar\.([a-z_][a-z0-9_]*)")
RESOURCE = re.compile(r'^resource "(\w+)" "(\w+)" \{\n(.*?)^\}', re.M | re.S)

CHOICES: dict[str, tuple[str, ...]] = {
    "port": ("443", "5432", "6379", "8080", "9090", "3306"),
    "service": ("ecs-tasks", "lambda", "ec2", "events", "states", "glue"),
    "policy1": ("AmazonSSMManagedInstanceCore", "AmazonEC2ContainerRegistryReadOnly"),
    "policy2": ("CloudWatchAgentServerPolicy", "AWSXRayDaemonWriteAccess"),
    "session": ("3600", "7200", "43200"),
    "action1": ('"s3:GetObject"', '"sqs:ReceiveMessage"', '"ssm:GetParameter"'),
    "action2": ('"s3:ListBucket"', '"sqs:SendMessage"', '"kms:Decrypt"', '"logs:PutLogEvents"'),
    "retention": ("14", "30", "90", "365"),
    "periods": ("2", "3", "5"),
    "period": ("60", "300"),
    "statistic": ('"Average"', '"Maximum"', '"Sum"'),
    "window": ("7", "14", "30"),
    "visibility": ("30", "60", "300", "900"),
    "receives": ("3", "5", "10"),
    "runtime": ('"python3.12"', '"nodejs20.x"', '"provided.al2023"', '"java21"'),
    "timeout": ("10", "30", "60", "300"),
    "memory": ("128", "256", "512", "1024"),
    "cpu": ("256", "512", "1024"),
    "task_memory": ("512", "1024", "2048"),
    "arch": ('"X86_64"', '"ARM64"'),
    "param_type": ('"String"', '"SecureString"'),
    "instance": ('"t3.medium"', '"m6i.large"', '"c7g.xlarge"'),
    "volume": ("20", "50", "100"),
    "schedule": ('"rate(5 minutes)"', '"cron(0 3 * * ? *)"', '"rate(1 hour)"'),
    "max": ("4", "10", "20"),
    "min": ("1", "2"),
    "target": ("50", "60", "70"),
    "tf": ('">= 1.5.0"', '">= 1.6, < 2.0"', '"~> 1.9"', '">= 1.3"'),
    "aws_version": ('">= 5.40"', '"~> 5.0"', '">= 5.60, < 7.0"'),
    "registry_version": ('"~> 5.0"', '"~> 20.8"', '">= 4.1"'),
    "namespace": ("platform", "apps", "monitoring", "ingress"),
    "chart": ("aws-load-balancer-controller", "external-dns", "cert-manager", "karpenter"),
    "chart_version": ('"1.8.1"', '"v1.15.3"', '"0.37.0"'),
    "script": (
        "aws s3 sync ${path.module}/assets s3://${var.name}-assets/ --delete",
        "aws ecr get-login-password | docker login --username AWS --password-stdin ${var.registry}",
        "python3 ${path.module}/scripts/seed.py --table ${var.table_name}",
        "aws lambda invoke --function-name ${var.name}-migrate /dev/null",
    ),
    "team": ("platform", "data", "payments", "search", "identity"),
}
JOINT: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("metric", "metric_ns", "dimension", "threshold"): (
        ("CPUUtilization", "AWS/ECS", "ServiceName", "80"),
        ("FreeStorageSpace", "AWS/RDS", "DBInstanceIdentifier", "10737418240"),
        ("ApproximateAgeOfOldestMessage", "AWS/SQS", "QueueName", "300"),
        ("5XXError", "AWS/ApiGateway", "ApiName", "1"),
        ("Errors", "AWS/Lambda", "FunctionName", "1"),
    ),
}
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
)

T_SECURITY_GROUP = """\
resource "aws_security_group" "@n@" {
  name_prefix = "${var.name}-@n@-"
  description = "@Title@ traffic for @module@"
  vpc_id      = var.vpc_id

  ingress {
    description = "@n@ from allowed networks"
    from_port   = @port@
    to_port     = @port@
    protocol    = "tcp"
    cidr_blocks = var.allowed_cidrs
  }

?a|  dynamic "ingress" {
?a|    for_each = var.ingress_rules
?a|    content {
?a|      from_port       = ingress.value.port
?a|      to_port         = ingress.value.port
?a|      protocol        = lookup(ingress.value, "protocol", "tcp")
?a|      security_groups = ingress.value.security_group_ids
?a|    }
?a|  }
?a|
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.tags, { Name = "${var.name}-@n@" })

  lifecycle {
    create_before_destroy = true
  }
}
"""

T_IAM_ROLE = """\
data "aws_iam_policy_document" "@n@_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["@service@.amazonaws.com"]
    }
?a|
?a|    condition {
?a|      test     = "StringEquals"
?a|      variable = "aws:SourceAccount"
?a|      values   = [data.aws_caller_identity.current.account_id]
?a|    }
  }
}

resource "aws_iam_role" "@n@" {
  name                 = "${var.name}-@n@"
  assume_role_policy   = data.aws_iam_policy_document.@n@_assume.json
  max_session_duration = @session@
  tags                 = local.tags
}

resource "aws_iam_role_policy_attachment" "@n@" {
  for_each = toset(["@policy1@", "@policy2@"])

  role       = aws_iam_role.@n@.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.key}"
}
"""

T_IAM_POLICY = """\
# Inline JSON kept as a heredoc so the security review can diff it as-is.
resource "aws_iam_policy" "@n@" {
  name        = "${var.name}-@n@"
  description = "Least-privilege access for the @n@ workload"
  policy      = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "@Title@Access",
      "Effect": "Allow",
      "Action": [@action1@, @action2@],
      "Resource": ["${var.bucket_arn}", "${var.bucket_arn}/*"]
    }
  ]
}
EOF
  tags        = local.tags
}
"""

T_S3_BUCKET = """\
resource "aws_s3_bucket" "@n@" {
  bucket        = "${var.name}-@n@-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.environment != "prod"
  tags          = merge(local.tags, { Name = "${var.name}-@n@" })
}

resource "aws_s3_bucket_versioning" "@n@" {
  bucket = aws_s3_bucket.@n@.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "@n@" {
  bucket = aws_s3_bucket.@n@.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}
?a|
?a|resource "aws_s3_bucket_public_access_block" "@n@" {
?a|  bucket                  = aws_s3_bucket.@n@.id
?a|  block_public_acls       = true
?a|  block_public_policy     = true
?a|  ignore_public_acls      = true
?a|  restrict_public_buckets = true
?a|}
"""

T_LOG_GROUP = """\
resource "aws_cloudwatch_log_group" "@n@" {
?a|  count = var.create_log_group ? 1 : 0
?a|
  name              = "/@category@/${var.name}/@n@"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = local.tags
}
"""

T_ALARM = """\
resource "aws_cloudwatch_metric_alarm" "@n@" {
  alarm_name          = "${var.name}-@n@-@metric@"
  alarm_description   = "@metric@ breached for @module@"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = @periods@
  metric_name         = "@metric@"
  namespace           = "@metric_ns@"
  period              = @period@
  statistic           = @statistic@
  threshold           = @threshold@
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arns
  ok_actions          = var.alarm_topic_arns

  dimensions = {
    @dimension@ = var.name
  }

  tags = local.tags
}
"""

T_KMS = """\
resource "aws_kms_key" "@n@" {
  description             = "@module@ @n@ encryption key"
  deletion_window_in_days = @window@
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.@n@_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "@n@" {
  name          = "alias/${var.name}-@n@"
  target_key_id = aws_kms_key.@n@.key_id
}

data "aws_iam_policy_document" "@n@_key" {
  # The account root keeps full control; IAM policies grant the rest.
  statement {
    sid       = "EnableRootAccess"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}
"""

T_ROUTE53 = """\
resource "aws_route53_record" "@n@" {
  count = var.create_dns_record ? 1 : 0

  zone_id = var.zone_id
  name    = "@n@.${var.domain_name}"
  type    = "A"

  alias {
    name                   = var.target_dns_name
    zone_id                = var.target_zone_id
    evaluate_target_health = true
  }
}
"""

T_SQS = """\
resource "aws_sqs_queue" "@n@_dlq" {
  name                      = "${var.name}-@n@-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

resource "aws_sqs_queue" "@n@" {
  name                       = "${var.name}-@n@"
  visibility_timeout_seconds = @visibility@
  receive_wait_time_seconds  = 20
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.@n@_dlq.arn
    maxReceiveCount     = @receives@
  })
  tags = merge(local.tags, { Name = "${var.name}-@n@" })
}
"""

T_SNS = """\
resource "aws_sns_topic" "@n@" {
  name              = "${var.name}-@n@"
  kms_master_key_id = "alias/aws/sns"
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "@n@" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.@n@.arn
  protocol  = "email"
  endpoint  = each.value
}
"""

T_LAMBDA = """\
data "archive_file" "@n@" {
  type        = "zip"
  source_dir  = "${path.module}/functions/@n@"
  output_path = "${path.module}/.build/@n@.zip"
}

resource "aws_lambda_function" "@n@" {
  function_name    = "${var.name}-@n@"
  role             = var.lambda_role_arn
  handler          = "main.handler"
  runtime          = @runtime@
  filename         = data.archive_file.@n@.output_path
  source_code_hash = data.archive_file.@n@.output_base64sha256
  timeout          = @timeout@
  memory_size      = @memory@

  environment {
    variables = {
      LOG_LEVEL               = var.environment == "prod" ? "INFO" : "DEBUG"
      TABLE_NAME              = var.table_name
      POWERTOOLS_SERVICE_NAME = "@n@"
    }
  }

?a|  dynamic "vpc_config" {
?a|    for_each = length(var.subnet_ids) > 0 ? [1] : []
?a|    content {
?a|      subnet_ids         = var.subnet_ids
?a|      security_group_ids = var.security_group_ids
?a|    }
?a|  }
?a|
  tracing_config {
    mode = "Active"
  }

  tags = local.tags
}
"""

T_DYNAMODB = """\
resource "aws_dynamodb_table" "@n@" {
  name         = "${var.name}-@n@"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }
?a|
?a|  attribute {
?a|    name = "gsi1pk"
?a|    type = "S"
?a|  }
?a|
?a|  global_secondary_index {
?a|    name            = "gsi1"
?a|    hash_key        = "gsi1pk"
?a|    range_key       = "sk"
?a|    projection_type = "ALL"
?a|  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.environment == "prod"
  }

  tags = merge(local.tags, { Name = "${var.name}-@n@" })
}
"""

T_ECS_TASK = """\
resource "aws_ecs_task_definition" "@n@" {
  family                   = "${var.name}-@n@"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = @cpu@
  memory                   = @task_memory@
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn

  container_definitions = jsonencode([
    {
      name         = "@n@"
      image        = "${var.image}:${var.image_tag}"
      essential    = true
      portMappings = [{ containerPort = @port@, protocol = "tcp" }]
      environment  = [for k, v in var.app_env : { name = k, value = v }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = "/ecs/${var.name}"
          "awslogs-region"        = var.region
          "awslogs-stream-prefix" = "@n@"
        }
      }
    }
  ])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = @arch@
  }

  tags = local.tags
}
"""

T_SSM = """\
resource "aws_ssm_parameter" "@n@" {
  for_each = var.parameters

  name  = "/${var.environment}/${var.name}/@n@/${each.key}"
  type  = @param_type@
  value = each.value
  tier  = "Standard"
  tags  = local.tags
}
"""

T_LOCAL_EXEC = """\
# Runs on the machine that applies, which needs the AWS CLI and credentials.
resource "null_resource" "@n@" {
  triggers = {
    checksum = sha256(jsonencode(var.tags))
  }

  provisioner "local-exec" {
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      set -euo pipefail
      echo "running in $${PWD}"
      @script@
    EOT
    environment = {
      AWS_REGION = var.region
    }
  }
}
"""

T_TERRAFORM_DATA = """\
resource "terraform_data" "@n@" {
  triggers_replace = [var.name, var.environment]

  input = {
    revision = var.revision
    owner    = "@team@"
  }
}
"""

T_LAUNCH_TEMPLATE = """\
resource "aws_launch_template" "@n@" {
  name_prefix   = "${var.name}-@n@-"
  image_id      = data.aws_ami.al2023.id
  instance_type = @instance@
  user_data = base64encode(<<-EOF
    #!/bin/bash
    set -eux
    dnf install -y amazon-cloudwatch-agent
    echo "ENVIRONMENT=${var.environment}" >> /etc/environment
    systemctl enable --now amazon-cloudwatch-agent
  EOF
  )

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = @volume@
      volume_type = "gp3"
      encrypted   = true
    }
  }

  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${var.name}-@n@" })
  }
}
"""

T_ACM = """\
resource "aws_acm_certificate" "@n@" {
  domain_name               = var.domain_name
  subject_alternative_names = ["*.${var.domain_name}"]
  validation_method         = "DNS"
  tags                      = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "@n@_validation" {
  for_each = {
    for dvo in aws_acm_certificate.@n@.domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }
  }

  zone_id         = var.zone_id
  name            = each.value.name
  type            = each.value.type
  records         = [each.value.record]
  ttl             = 60
  allow_overwrite = true
}
"""

T_EVENTBRIDGE = """\
resource "aws_cloudwatch_event_rule" "@n@" {
  name                = "${var.name}-@n@"
  description         = "Schedules the @n@ job"
  schedule_expression = @schedule@
  state               = var.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "@n@" {
  rule  = aws_cloudwatch_event_rule.@n@.name
  arn   = var.target_arn
  input = jsonencode({ job = "@n@", dry_run = false })
}
"""

T_SECRET = """\
resource "random_password" "@n@" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]<>:?"
}

resource "aws_secretsmanager_secret" "@n@" {
  name_prefix             = "${var.environment}/${var.name}/@n@-"
  recovery_window_in_days = var.environment == "prod" ? 30 : 0
  kms_key_id              = var.kms_key_arn
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "@n@" {
  secret_id = aws_secretsmanager_secret.@n@.id
  secret_string = jsonencode({
    username = "@n@"
    password = random_password.@n@.result
  })
}
"""

T_AUTOSCALING = """\
resource "aws_appautoscaling_target" "@n@" {
  max_capacity       = @max@
  min_capacity       = @min@
  resource_id        = "service/${var.cluster_name}/${var.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
}

resource "aws_appautoscaling_policy" "@n@" {
  name               = "${var.name}-@n@-cpu"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.@n@.resource_id
  scalable_dimension = aws_appautoscaling_target.@n@.scalable_dimension
  service_namespace  = aws_appautoscaling_target.@n@.service_namespace

  target_tracking_scaling_policy_configuration {
    target_value = @target@

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
"""

FILE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "iam.tf": (T_IAM_ROLE, T_IAM_POLICY),
    "security_groups.tf": (T_SECURITY_GROUP,),
    "kms.tf": (T_KMS,),
    "logging.tf": (T_LOG_GROUP,),
    "alarms.tf": (T_ALARM,),
    "monitoring.tf": (T_ALARM, T_LOG_GROUP),
    "dns.tf": (T_ROUTE53, T_ACM),
    "storage.tf": (T_S3_BUCKET, T_DYNAMODB),
    "queues.tf": (T_SQS, T_SNS),
    "lambda.tf": (T_LAMBDA,),
    "ssm.tf": (T_SSM,),
    "notifications.tf": (T_SNS, T_EVENTBRIDGE),
    "compute.tf": (T_LAUNCH_TEMPLATE, T_ECS_TASK),
    "certificates.tf": (T_ACM,),
    "scaling.tf": (T_AUTOSCALING,),
    "events.tf": (T_EVENTBRIDGE,),
    "secrets.tf": (T_SECRET,),
}
CHILD_EXTRA_FILES = tuple(f for f in FILE_TEMPLATES if f != "monitoring.tf")
ROOT_EXTRA_FILES = ("iam.tf", "dns.tf", "monitoring.tf", "storage.tf", "ssm.tf", "secrets.tf")
MAIN_TEMPLATES = (
    T_SECURITY_GROUP,
    T_S3_BUCKET,
    T_DYNAMODB,
    T_ECS_TASK,
    T_LAMBDA,
    T_SQS,
    T_LAUNCH_TEMPLATE,
    T_IAM_ROLE,
    T_TERRAFORM_DATA,
)

T_LOCALS = """\
locals {
  name    = "${var.environment}-${var.name}"
  is_prod = var.environment == "prod"
  tags = merge(var.tags, {
    Module      = "@category@/@module@"
    Environment = var.environment
    Team        = "@team@"
    ManagedBy   = "terraform"
  })
?a|
?a|  azs           = slice(data.aws_availability_zones.available.names, 0, 3)
?a|  private_cidrs = [for i, az in local.azs : cidrsubnet(var.vpc_cidr, 4, i)]
?b|
?b|  # Only the features switched on for this environment.
?b|  enabled_features = { for k, v in var.features : k => v if v.enabled }
}
"""

T_DATA = """\
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}
?a|
?a|data "aws_ami" "al2023" {
?a|  most_recent = true
?a|  owners      = ["amazon"]
?a|
?a|  filter {
?a|    name   = "name"
?a|    values = ["al2023-ami-2023.*-x86_64"]
?a|  }
?a|}
"""

T_VERSIONS_PINNED = """\
terraform {
  required_version = @tf@

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = @aws_version@
    }
?a|    random = {
?a|      source  = "hashicorp/random"
?a|      version = "~> 3.6"
?a|    }
?k|    kubernetes = {
?k|      source  = "hashicorp/kubernetes"
?k|      version = "~> 2.31"
?k|    }
?k|    helm = {
?k|      source  = "hashicorp/helm"
?k|      version = ">= 2.14"
?k|    }
  }
}
"""

T_VERSIONS_BARE = """\
terraform {
  required_version = @tf@
}
"""

T_BACKEND = """\
terraform {
  backend "s3" {
    bucket         = "acme-terraform-state-@env@"
    key            = "@rel@/terraform.tfstate"
    region         = "@region@"
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }
}
"""

T_PROVIDERS = """\
provider "aws" {
  region = var.region

  assume_role {
    role_arn = "arn:aws:iam::${var.account_id}:role/terraform-apply"
  }

  default_tags {
    tags = {
      Environment = "@env@"
      Stack       = "@stack@"
    }
  }
}
?a|
?a|# CloudFront certificates and WAF must live in us-east-1.
?a|provider "aws" {
?a|  alias  = "us_east_1"
?a|  region = "us-east-1"
?a|
?a|  assume_role {
?a|    role_arn = "arn:aws:iam::${var.account_id}:role/terraform-apply"
?a|  }
?a|}
"""

T_REMOTE_STATE = """\
data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = "acme-terraform-state-@env@"
    key    = "live/@env@/@region@/network/terraform.tfstate"
    region = "@region@"
  }
}
"""

T_MODULE_CALL = """\
module "@call@" {
  source = "@source@"

  name        = "${local.name}-@label@"
  environment = var.environment
  vpc_id      = @vpc@
?a|  subnet_ids  = @subnets@
  tags        = local.tags
?b|
?b|  # The cluster must exist before its add-ons and workloads.
?b|  depends_on = [@after@]
}
"""

T_REGISTRY_CALL = """\
module "label" {
  source  = "cloudposse/label/null"
  version = "0.25.0"

  namespace   = "acme"
  environment = var.environment
  name        = var.name
  tags        = local.tags
}
"""

T_KUBE_DATA = """\
data "aws_eks_cluster" "this" {
  name = module.eks.cluster_name
}
"""

T_AUTH_DATA = """\
data "aws_eks_cluster_auth" "this" {
  # TODO(@team@): move to exec auth, see PLAT-1432.
  name = module.eks.cluster_name
}
"""

# Each runs as the role the aws provider assumes (T_PROVIDERS), as it should (ETA010).
EXEC_ROLE = '"--role-arn", "arn:aws:iam::${var.account_id}:role/terraform-apply"'
EXEC_ARGS = (
    (
        '"aws"',
        '["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", var.region, '
        f'{EXEC_ROLE}, "--output", "json"]',
    ),
    (
        '"eks-tf-auth"',
        f'["exec", "--cluster-name", module.eks.cluster_name, "--region", var.region, {EXEC_ROLE}]',
    ),
)
HOST = "data.aws_eks_cluster.this.endpoint"
CA = "base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)"

T_KUBE_RESOURCES = """\
resource "kubernetes_namespace" "this" {
  metadata {
    name = "@namespace@"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }
}

resource "helm_release" "@chart_id@" {
  name       = "@chart@"
  repository = "https://charts.example.com/stable"
  chart      = "@chart@"
  version    = @chart_version@
  namespace  = kubernetes_namespace.this.metadata[0].name

  values = [yamlencode({
    clusterName = module.eks.cluster_name
    serviceAccount = {
      annotations = {
        "eks.amazonaws.com/role-arn" = module.irsa.iam_role_arn
      }
    }
  })]

  set {
    name  = "replicaCount"
    value = "2"
  }
}
"""

HEADERS = (
    "# Managed by Terraform. Changes made outside Terraform are reverted on the next apply.\n\n",
    "// Owner: @team@ team. Changes to this file need a review from #@team@-infra.\n\n",
    "/*\n * @title@\n *\n * Keep resource names stable: renaming forces a replacement.\n */\n\n",
    "# @title@\n\n",
    "",
)


@dataclass
class Ctx:
    """What one module's files share: its name and the resource names already used in it."""

    name: str
    category: str
    team: str
    used: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class ModuleDir:
    rel: str  # relative to the corpus root, POSIX
    root: bool
    files: dict[str, str]
    wired_providers: int = 0  # provider connections whose token is the data source's
    kube: bool = False
    extras: dict[str, str] = field(default_factory=dict)  # README.md, lock file, plan: not .tf
    terragrunt: bool = False  # under terragrunt/: its files are .hcl, the Terraform it generates


@dataclass(frozen=True)
class Corpus:
    path: Path
    modules: tuple[ModuleDir, ...]

    @property
    def files(self) -> int:
        return sum(len(m.files) for m in self.modules)

    @property
    def tf_files(self) -> int:
        """The files parse-all parses (not the Terragrunt layer's .hcl)."""
        return sum(1 for m in self.modules for name in m.files if name.endswith(".tf"))

    @property
    def expected_findings(self) -> int:
        return sum(m.wired_providers for m in self.modules)

    @property
    def wired(self) -> tuple[ModuleDir, ...]:
        return tuple(m for m in self.modules if m.wired_providers)


class Gen:
    """Deterministic text generation: one random.Random with a fixed seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, values: Sequence[str]) -> str:
        return values[self.rng.randrange(len(values))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fill(self, template: str, ctx: Ctx, **given: str) -> str:
        """One use of a template: optional groups decided, placeholders filled."""
        keep: dict[str, bool] = {}
        lines: list[str] = []
        for line in template.splitlines(keepends=True):
            m = OPTIONAL.match(line)
            if m:
                group = m.group(1)
                if group not in keep:
                    keep[group] = given.get(f"?{group}") == "1" or (
                        f"?{group}" not in given and self.chance(0.5)
                    )
                if not keep[group]:
                    continue
                line = line[m.end() :]
            lines.append(line)
        values = {k: v for k, v in given.items() if not k.startswith("?")}
        values.setdefault("module", ctx.name)
        values.setdefault("category", ctx.category)
        values.setdefault("team", ctx.team)

        def value(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in values:
                if key in ("n", "Title"):
                    values["n"] = self.name(ctx, template)
                    values["Title"] = values["n"].capitalize()
                elif key in CHOICES:
                    values[key] = self.pick(CHOICES[key])
                else:
                    keys = next(k for k in JOINT if key in k)
                    chosen = JOINT[keys][self.rng.randrange(len(JOINT[keys]))]
                    values.update(zip(keys, chosen, strict=True))
            return values[key]

        return PLACEHOLDER.sub(value, "".join(lines))

    def name(self, ctx: Ctx, template: str) -> str:
        """A name for the template's resources that is not yet used in the module."""
        kind = template[: template.index("@n@")]
        for name in self.rng.sample(RESOURCE_NAMES, len(RESOURCE_NAMES)):
            if (kind, name) not in ctx.used:
                ctx.used.add((kind, name))
                return name
        name = f"this_{len(ctx.used)}"
        ctx.used.add((kind, name))
        return name

    def header(self, ctx: Ctx, title: str) -> str:
        return self.pick(HEADERS).replace("@title@", title).replace("@team@", ctx.team)

    def resources(self, ctx: Ctx, title: str, templates: Sequence[str], count: int) -> str:
        body = "\n".join(self.fill(self.pick(templates), ctx) for _ in range(count))
        return self.header(ctx, title) + body


DESCRIPTIONS = {
    "name": "Name prefix for every resource in this module.",
    "environment": "Deployment environment: dev, staging or prod.",
    "tags": "Tags added to every resource.",
    "region": "AWS region to deploy to.",
    "account_id": "AWS account the resources live in.",
}
ACRONYMS = {"arn": "ARN", "arns": "ARNs", "id": "ID", "ids": "IDs", "kms": "KMS", "vpc": "VPC"}


def variable_block(name: str, g: Gen) -> str:
    """A declaration for `var.NAME`, its type and default guessed from the name."""
    special = {
        "ingress_rules": (
            "list(object({\n"
            "    port               = number\n"
            "    protocol           = optional(string)\n"
            "    security_group_ids = list(string)\n"
            "  }))",
            "[]",
        ),
        "features": (
            "map(object({\n    enabled = bool\n    config  = optional(map(string), {})\n  }))",
            "{}",
        ),
        "region": ("string", '"us-east-1"'),
        "image_tag": ("string", '"latest"'),
        "kms_key_arn": ("string", "null"),
        "vpc_cidr": ("string", '"10.0.0.0/16"'),
        "revision": ("number", "1"),
    }
    if name in special:
        kind, default = special[name]
    elif name in ("tags", "app_env", "parameters"):
        kind, default = "map(string)", "{}"
    elif name.endswith(("_ids", "_arns", "_cidrs", "_emails")):
        kind, default = "list(string)", "[]"
    elif name.startswith(("create_", "enable_")) or name == "enabled":
        kind, default = "bool", "true"
    elif name.endswith("_days"):
        kind, default = "number", g.pick(("14", "30", "90", "365"))
    else:
        kind, default = "string", ""
    words = [ACRONYMS.get(w, w) for w in name.split("_")]
    description = DESCRIPTIONS.get(name) or " ".join([words[0].capitalize(), *words[1:]]) + "."
    lines = [
        f'variable "{name}" {{',
        f'  description = "{description}"',
        f"  type        = {kind}",
    ]
    if default:
        lines.append(f"  default     = {default}")
    if name == "name":
        lines += [
            "",
            "  validation {",
            '    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))',
            '    error_message = "Use lower-case letters, digits and dashes (2 to 31)."',
            "  }",
        ]
    elif name == "environment":
        lines += [
            "",
            "  validation {",
            '    condition     = contains(["dev", "staging", "prod"], var.environment)',
            '    error_message = "The environment must be dev, staging or prod."',
            "  }",
        ]
    return "\n".join([*lines, "}"]) + "\n"


def variables_file(g: Gen, files: Mapping[str, str]) -> str:
    names = sorted({m.group(1) for text in files.values() for m in VAR_REF.finditer(text)})
    first = [n for n in ("name", "environment", "tags") if n in names]
    return "\n".join(variable_block(n, g) for n in first + [n for n in names if n not in first])


def outputs_file(g: Gen, files: Mapping[str, str]) -> str:
    found = [
        (m.group(1), m.group(2), m.group(3)) for t in files.values() for m in RESOURCE.finditer(t)
    ]
    chosen = sorted(g.rng.sample(found, min(len(found), g.rng.randint(2, 6))))
    blocks: list[str] = []
    for kind, name, body in chosen:
        attr = "arn" if kind.startswith("aws_") and kind != "aws_route53_record" else "id"
        value = f"{kind}.{name}.{attr}"
        if "for_each" in body:
            value = f"{{ for k, v in {kind}.{name} : k => v.{attr} }}"
        elif "count " in body:
            value = f"try({kind}.{name}[0].{attr}, null)"
        short = kind.removeprefix("aws_")
        blocks.append(
            f'output "{name}_{short}_{attr}" {{\n'
            f'  description = "The {attr.upper()} of the {name} {short.replace("_", " ")}."\n'
            f"  value       = {value}\n"
            "}\n"
        )
    return "\n".join(blocks) or 'output "name" {\n  value = var.name\n}\n'


def child_module(g: Gen, category: str, name: str, siblings: Sequence[str]) -> ModuleDir:
    ctx = Ctx(name=name, category=category, team=g.pick(CHOICES["team"]))
    files: dict[str, str] = {}
    main = [g.fill(g.pick(MAIN_TEMPLATES), ctx) for _ in range(g.rng.randint(1, 3))]
    if g.chance(0.15):
        sibling = g.pick([s for s in siblings if s != name])
        main.append(module_call(g, ctx, sibling, f"../{sibling}", "var.vpc_id"))
    if g.chance(0.12):
        main.append(g.fill(T_LOCAL_EXEC, ctx))
    if g.chance(0.3):  # no locals.tf: the locals open main.tf
        main.insert(0, g.fill(T_LOCALS, ctx))
    else:
        files["locals.tf"] = g.fill(T_LOCALS, ctx)
    files["main.tf"] = g.header(ctx, f"{category}/{name}") + "\n".join(main)
    for file in g.rng.sample(CHILD_EXTRA_FILES, g.rng.randint(4, 6)):
        title = f"{file.removesuffix('.tf').replace('_', ' ').capitalize()} for {name}"
        files[file] = g.resources(ctx, title, FILE_TEMPLATES[file], 2 if g.chance(0.35) else 1)
    files["data.tf"] = data_file(g, ctx, files)
    if g.chance(0.8):
        if g.chance(0.75):
            kube = "1" if category == "eks" else "0"
            files["versions.tf"] = g.fill(T_VERSIONS_PINNED, ctx, **{"?k": kube})
        else:
            files["versions.tf"] = g.fill(T_VERSIONS_BARE, ctx)
    files["outputs.tf"] = outputs_file(g, files)
    files["variables.tf"] = variables_file(g, files)
    return ModuleDir(f"modules/{category}/{name}", root=False, files=files)


def data_file(g: Gen, ctx: Ctx, files: Mapping[str, str]) -> str:
    """The account, partition and region data sources, and the AMI where it is used."""
    ami = any("data.aws_ami.al2023" in text for text in files.values())
    return g.fill(T_DATA, ctx, **{"?a": "1" if ami else "0"})


def module_call(
    g: Gen, ctx: Ctx, name: str, source: str, vpc: str, after: str | None = None
) -> str:
    call = name
    for suffix in VARIANTS[1:]:
        call = call.removesuffix(suffix)
    call = {"eks-cluster": "eks", "irsa-role": "irsa"}.get(call, call).replace("-", "_")
    subnets = "data.terraform_remote_state.network.outputs.private_subnet_ids"
    return g.fill(
        T_MODULE_CALL,
        ctx,
        call=call,
        source=source,
        label=call.replace("_", "-"),
        vpc=vpc,
        subnets=subnets if vpc.startswith("data.") else "var.subnet_ids",
        after=after or "",
        **{"?b": "1" if after and call not in after and g.chance(0.5) else "0"},
    )


def exec_block(g: Gen, prefix: str) -> str:
    command, args = EXEC_ARGS[g.rng.randrange(len(EXEC_ARGS))]
    body = (
        'api_version = "client.authentication.k8s.io/v1beta1"\n'
        f"command     = {command}\n"
        f"args        = {args}\n"
    )
    return indent(f"exec {{\n{indent(body, '  ')}}}\n", prefix)


def kube_providers(g: Gen, wired: int | None) -> tuple[str, int]:
    """The providers of a root with an EKS cluster: exec blocks, or the plan-time token in one of
    five shapes. Returns the text and the number of connections whose token is the data
    source's (ETA001 findings)."""
    conn = f"host                   = {HOST}\ncluster_ca_certificate = {CA}\n"
    if wired is None:
        kubernetes = f'provider "kubernetes" {{\n{indent(conn, "  ")}\n{exec_block(g, "  ")}}}\n'
        if g.chance(0.5):  # helm 2.x: a kubernetes block
            inner = f"kubernetes {{\n{indent(conn, '  ')}\n{exec_block(g, '  ')}}}\n"
        else:  # helm 3.x: a kubernetes attribute, exec an object
            exec_object = exec_block(g, "  ").replace("exec {", "exec = {", 1)
            inner = f"kubernetes = {{\n{indent(conn, '  ')}{exec_object}}}\n"
        return f'{kubernetes}\nprovider "helm" {{\n{indent(inner, "  ")}}}\n', 0
    token = "data.aws_eks_cluster_auth.this.token"
    parts: list[str] = []
    if wired == 1:
        parts.append(f"locals {{\n  cluster_token = {token}\n}}\n")
        token = "local.cluster_token"
    body = f"{conn}token                  = {token}\n"
    parts.append(f'provider "kubernetes" {{\n{indent(body, "  ")}}}\n')
    count = 1
    if wired == 4:
        parts.append(f'provider "kubernetes" {{\n  alias = "addons"\n\n{indent(body, "  ")}}}\n')
        count += 1
    inner = f"kubernetes {'= ' if wired == 3 else ''}{{\n{indent(body, '  ')}}}\n"
    parts.append(f'provider "helm" {{\n{indent(inner, "  ")}}}\n')
    count += 1
    if wired == 2:
        kubectl = f"{body}load_config_file       = false\n"
        parts.append(f'provider "kubectl" {{\n{indent(kubectl, "  ")}}}\n')
        count += 1
    return "\n".join(parts), count


def root_module(
    g: Gen,
    env: str,
    region: str,
    stack: str,
    children: Sequence[tuple[str, str]],
    wired: int | None,
) -> ModuleDir:
    rel = f"live/{env}/{region}/{stack}"
    ctx = Ctx(name=f"{env}-{stack}", category="live", team=g.pick(CHOICES["team"]))
    kube = stack in KUBE_STACKS
    up = "../" * (rel.count("/") + 1)
    place = {"env": env, "region": region, "stack": stack, "rel": rel}
    files: dict[str, str] = {
        "backend.tf": g.fill(T_BACKEND, ctx, **place),
        "versions.tf": g.fill(T_VERSIONS_PINNED, ctx, **{"?k": "1" if kube else "0"}),
        "providers.tf": g.header(ctx, f"Providers for {rel}") + g.fill(T_PROVIDERS, ctx, **place),
        "locals.tf": g.fill(T_LOCALS, ctx),
    }
    chosen = g.rng.sample(list(children), g.rng.randint(2, 5))
    if kube:
        eks = [c for c in children if c[1] in ("eks-cluster", "irsa-role")]
        chosen = eks + [c for c in chosen if c not in eks][:3]
    vpc = "data.terraform_remote_state.network.outputs.vpc_id"
    after = "module.eks" if kube else None
    calls = [
        module_call(g, ctx, name, f"{up}modules/{cat}/{name}", vpc, after) for cat, name in chosen
    ]
    if g.chance(0.3):
        calls.append(g.fill(T_REGISTRY_CALL, ctx))
    if g.chance(0.2):
        calls.append(g.fill(T_LOCAL_EXEC, ctx))
    title = f"The {stack} stack of {env} in {region}"
    files["main.tf"] = g.header(ctx, title) + "\n".join(calls)
    wired_providers = 0
    if kube:
        providers, wired_providers = kube_providers(g, wired)
        parts = [g.fill(T_KUBE_DATA, ctx)]
        if wired is not None:
            parts.append(g.fill(T_AUTH_DATA, ctx))
        chart = g.pick(CHOICES["chart"])
        parts += [
            providers,
            g.fill(T_KUBE_RESOURCES, ctx, chart=chart, chart_id=chart.replace("-", "_")),
        ]
        files["kubernetes.tf"] = g.header(ctx, f"Kubernetes access for {rel}") + "\n".join(parts)
    for file in g.rng.sample(ROOT_EXTRA_FILES, g.rng.randint(2, 4)):
        title = f"{file.removesuffix('.tf').capitalize()} for {rel}"
        files[file] = g.resources(ctx, title, FILE_TEMPLATES[file], 1)
    files["data.tf"] = g.fill(T_REMOTE_STATE, ctx, **place) + "\n" + data_file(g, ctx, files)
    files["variables.tf"] = variables_file(g, files)
    files["outputs.tf"] = outputs_file(g, files)
    return ModuleDir(rel, root=True, files=files, wired_providers=wired_providers, kube=kube)


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


def generate(dest: Path, seed: int) -> Corpus:
    """Write the corpus under dest: CHILD_MODULES child modules, then ROOT_MODULES roots of
    which WIRED_ROOTS (among those with Kubernetes providers) use aws_eks_cluster_auth."""
    g = Gen(seed)
    children: list[tuple[str, str]] = []
    for variant in VARIANTS:
        for category, names in CATEGORIES.items():
            children += [(category, name + variant) for name in names]
    children = children[:CHILD_MODULES]
    modules = [
        child_module(g, category, name, [n for c, n in children if c == category])
        for category, name in children
    ]
    combos = sorted(
        g.rng.sample(
            [(e, r, s) for e in ENVIRONMENTS for r in REGIONS for s in STACKS], ROOT_MODULES
        )
    )
    kube_roots = [i for i, (_, _, stack) in enumerate(combos) if stack in KUBE_STACKS]
    wired = {root: n for n, root in enumerate(sorted(g.rng.sample(kube_roots, WIRED_ROOTS)))}
    modules += [
        root_module(g, env, region, stack, children, wired.get(i))
        for i, (env, region, stack) in enumerate(combos)
    ]
    modules += terragrunt_layer(g, children)
    for number, module in enumerate(modules):
        module.extras["README.md"] = f"# {module.rel}\n\nPart of the lint benchmark's corpus.\n"
        if module.root or "terragrunt.hcl" in module.files:
            module.extras[".terraform.lock.hcl"] = LOCK_FILE
            if number % 10 == 0:
                module.extras["plan.out"] = PLAN_JSON
        directory = dest / module.rel
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in {**module.files, **module.extras}.items():
            (directory / name).write_text(text, encoding="utf-8")
    return Corpus(dest, tuple(modules))


# --- the Terragrunt layer ----------------------------------------------------------------------
#
# terragrunt/ as most Terragrunt repositories lay it out: a root.hcl that generates the AWS provider
# and the backend, _envcommon/<stack>.hcl per stack (the module source, and for the Kubernetes
# stacks a generate "kubernetes" block with exec-block providers), env.hcl per environment, and
# TG_UNITS units under live/<env>/<region>/<stack>/ that include root.hcl and their envcommon.
# TG_WIRED units replace the envcommon's generate "kubernetes" with one whose providers read a
# generated aws_eks_cluster_auth, and one more takes the token from a dependency's output into a
# generated provider: each such provider counts in the findings.

TG_UNITS = 48
TG_WIRED = 3
TG_STACKS = {  # stack -> the child module its units deploy
    "network": ("network", "vpc"),
    "data": ("data", "rds-postgres"),
    "queues": ("messaging", "sqs-queue"),
    "addons": ("eks", "eks-addons"),
    "apps": ("eks", "eks-access"),
}
TG_KUBE_STACKS = ("addons", "apps")
TG_ROOT = """\
locals {
  env_vars    = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  environment = local.env_vars.locals.environment
  aws_region  = local.env_vars.locals.aws_region
}

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket         = "example-${local.environment}-terraform-state"
    key            = "${path_relative_to_include()}/terraform.tfstate"
    region         = local.aws_region
    dynamodb_table = "terraform-locks"
    encrypt        = true
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region = "${local.aws_region}"

  default_tags {
    tags = {
      Environment = "${local.environment}"
      ManagedBy   = "terragrunt"
    }
  }
}
EOF
}
"""
TG_ENVCOMMON = """\
terraform {
  source = "${dirname(find_in_parent_folders("root.hcl"))}/../modules/@module@"
}

inputs = {
  name = "@stack@"
}
"""
TG_KUBE_PROVIDERS = """\

generate "kubernetes" {
  path      = "kubernetes.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", var.cluster_name, "--region", "${local.aws_region}"]
  }
}
EOF
}
"""
TG_UNIT = """\
include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/@stack@.hcl"
  expose = true
}
@more@
inputs = {
@inputs@  cluster_name = "@env@-eks"
  team         = "@team@"
}
"""
TG_WIRED_PROVIDERS = """\

generate "kubernetes" {
  path      = "kubernetes.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  token                  = data.aws_eks_cluster_auth.this.token
}
@helm@EOF
}
"""
TG_WIRED_HELM = """\

provider "helm" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    token                  = data.aws_eks_cluster_auth.this.token
  }
}
"""
TG_HANDOFF = """\

dependency "cluster" {
  config_path = "../../../shared/eks"

  mock_outputs = {
    cluster_token = "mock"
  }
}

generate "kubernetes" {
  path      = "kubernetes.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    variable "cluster_token" {
      type      = string
      sensitive = true
    }

    provider "kubernetes" {
      host  = "https://${local.aws_region}.eks.example.com"
      token = var.cluster_token
    }
  EOF
}
"""
TG_HANDOFF_INPUT = "  cluster_token = dependency.cluster.outputs.cluster_token\n"


def terragrunt_layer(g: Gen, children: Sequence[tuple[str, str]]) -> list[ModuleDir]:
    """The Terragrunt units, with their root.hcl, _envcommon and env.hcl files."""
    names = {name for _, name in children}
    stacks = {s: m for s, m in TG_STACKS.items() if m[1] in names}
    envcommon = {
        f"{stack}.hcl": TG_ENVCOMMON.replace("@module@", "/".join(module)).replace("@stack@", stack)
        + (TG_KUBE_PROVIDERS if stack in TG_KUBE_STACKS else "")
        for stack, module in stacks.items()
    }
    out = [
        ModuleDir("terragrunt", False, {"root.hcl": TG_ROOT}, terragrunt=True),
        ModuleDir("terragrunt/_envcommon", False, envcommon, terragrunt=True),
    ]
    for env in ENVIRONMENTS:
        env_hcl = f'locals {{\n  environment = "{env}"\n  aws_region  = "us-east-1"\n}}\n'
        out.append(
            ModuleDir(f"terragrunt/live/{env}", False, {"env.hcl": env_hcl}, terragrunt=True)
        )
    combos = sorted(
        g.rng.sample([(e, r, s) for e in ENVIRONMENTS for r in REGIONS for s in stacks], TG_UNITS)
    )
    kube = [i for i, (_, _, stack) in enumerate(combos) if stack in TG_KUBE_STACKS]
    special = g.rng.sample(kube, TG_WIRED + 1)
    for i, (env, region, stack) in enumerate(combos):
        more, wired, inputs = "", 0, ""
        if i in special[:TG_WIRED]:
            helm = TG_WIRED_HELM if special.index(i) % 2 else ""
            more, wired = TG_WIRED_PROVIDERS.replace("@helm@", helm), 2 if helm else 1
        elif i == special[TG_WIRED]:
            more, wired, inputs = TG_HANDOFF, 1, TG_HANDOFF_INPUT
        text = (
            TG_UNIT.replace("@stack@", stack)
            .replace("@env@", env)
            .replace("@team@", g.pick(CHOICES["team"]))
            .replace("@more@", more)
            .replace("@inputs@", inputs)
        )
        rel = f"terragrunt/live/{env}/{region}/{stack}"
        out.append(ModuleDir(rel, False, {"terragrunt.hcl": text}, wired, terragrunt=True))
    return out


# What sits beside the .tf files of a real stack: none of it is Terraform configuration.
LOCK_FILE = """\
# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.80.0"
  constraints = ">= 5.40.0"
  hashes = [
    "h1:q5mc4bXmSBhbx4R5sMuLAvqdyyjOtjOE6L7tl3d6+Gk=",
  ]
}
"""
PLAN_JSON = (
    '{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{}},'
    '"resource_changes":[],"prior_state":{"format_version":"1.0","terraform_version":"1.11.4",'
    '"values":{"root_module":{}}},"configuration":{"root_module":{}},"timestamp":'
    '"2026-11-22T10:00:03Z","applyable":false,"complete":true,"errored":false}\n'
)


# --- checks on the corpus ----------------------------------------------------------------------


@dataclass(frozen=True)
class LintWork:
    """What lint's pre-filter lets through: the directories it parses and why."""

    dirs: int
    dirs_matched: int
    files: int
    files_parsed: int


def config_dirs(root: Path) -> dict[str, list[Path]]:
    """Config files by directory, walked as lint walks (eks_tf_auth.lint.loader._expand)."""
    found: dict[str, list[Path]] = {}
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            if name.endswith(CONFIG_SUFFIXES):
                found.setdefault(here, []).append(Path(here) / name)
    return found


def lint_work(root: Path) -> LintWork:
    """Which directories lint parses: what eks_tf_auth.lint.loader.load parses for the tree."""
    groups = config_dirs(root)
    project = load([root])
    chosen = set(project.modules)
    return LintWork(
        dirs=len(groups),
        dirs_matched=len(chosen),
        files=sum(len(files) for files in groups.values()),
        files_parsed=sum(len(m.files) for m in project.modules.values()),
    )


def check_parse(corpus: Corpus, everything: bool) -> int:
    """Parse every SAMPLE_STEP-th file and every file of the wired roots (or all of them) with
    hcl2.loads; the number parsed. A file that does not parse is a BenchError."""
    import hcl2

    wired = {m.rel for m in corpus.wired}
    paths = [(m.rel, name) for m in corpus.modules for name in sorted(m.files)]
    chosen = [
        (rel, name)
        for i, (rel, name) in enumerate(paths)
        if everything or i % SAMPLE_STEP == 0 or rel in wired
    ]
    for rel, name in chosen:
        path = corpus.path / rel / name
        try:
            hcl2.loads(path.read_text(encoding="utf-8"))
        except Exception as e:  # lark raises many kinds; any of them means a bad corpus
            raise BenchError(
                f"generated file does not parse: {rel}/{name}: {last_line(str(e))}"
            ) from None
    return len(chosen)


def digest(corpus: Corpus) -> str:
    h = hashlib.sha256()
    for m in sorted(corpus.modules, key=lambda m: m.rel):
        every = {**m.files, **m.extras}
        for name in sorted(every):
            h.update(f"{m.rel}/{name}\0{every[name]}\0".encode())
    return h.hexdigest()[:16]


# --- measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LintResult:
    exit_code: int
    findings: int
    eta001: int
    outside_wired: int  # findings in a directory that was not wired
    problems: int


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark eks-tf-auth lint on a generated Terraform tree against "
        "parsing every file with python-hcl2."
    )
    parser.add_argument(
        "--runs",
        type=runs_at_least(MIN_RUNS),
        default=DEFAULT_RUNS,
        help=f"timed runs per command (>= {MIN_RUNS}, default {DEFAULT_RUNS}; 1 warm-up)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"parse every generated file once before timing (default: every {SAMPLE_STEP}th)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="copy the corpus to DIR (which must not exist) after the run",
    )
    return parser.parse_args(list(argv))


def find_checkov(bindir: Path) -> tuple[str, ...] | None:
    """checkov from CHECKOV_ENV (make bench installs it in a venv of its own), the venv, PATH,
    else `python -m checkov.main` if importable."""
    named = os.environ.get(CHECKOV_ENV)
    for candidate in (named, shutil.which("checkov", path=str(bindir)), shutil.which("checkov")):
        if candidate:
            return (candidate,)
    if importlib.util.find_spec("checkov") is not None:
        return (str(bindir / "python"), "-m", "checkov.main")
    return None


def lint_once(case: Case, env: Mapping[str, str], cwd: Path, corpus: Corpus) -> LintResult:
    """Run lint once and read its JSON report."""
    proc = run(case.argv, env, COMMAND_TIMEOUT, cwd)
    if proc.returncode not in (0, LINT_EXIT_FINDINGS):
        raise BenchError(f"lint failed (exit {proc.returncode}): {last_line(proc.stderr)}")
    try:
        report = json.loads(proc.stdout)
        findings = [(str(f["path"]), str(f["rule_id"])) for f in report["findings"]]
        problems = len(report["problems"])
    except (ValueError, KeyError, TypeError) as e:
        raise BenchError(f"lint printed no readable JSON report: {e!r}") from None
    wired = {f"{corpus.path.name}/{m.rel}" for m in corpus.wired}
    return LintResult(
        exit_code=proc.returncode,
        findings=len(findings),
        eta001=sum(rule == "ETA001" for _, rule in findings),
        outside_wired=sum(os.path.dirname(path) not in wired for path, _ in findings),
        problems=problems,
    )


# --- report ------------------------------------------------------------------------------------


def evaluate(timings: Mapping[str, Timing], lint: LintResult, expected: int) -> list[Target]:
    lint_s = timings["lint"].median_s
    ratio = timings["parse-all"].median_s / lint_s
    return [
        Target(
            f"lint >= {LINT_SPEEDUP_MIN:g}x faster than parsing every file",
            f"{ratio:.2f}x",
            ratio >= LINT_SPEEDUP_MIN,
        ),
        Target(
            f"lint on the whole corpus <= {LINT_MAX_S:g} s (median)",
            f"{lint_s:.2f} s",
            lint_s <= LINT_MAX_S,
        ),
        Target(
            f"lint reports exactly the {expected} wired providers (ETA001)",
            f"{lint.findings} findings, {lint.eta001} ETA001, {lint.outside_wired} elsewhere, "
            f"{lint.problems} problems",
            lint.findings == lint.eta001 == expected
            and lint.outside_wired == 0
            and lint.problems == 0,
        ),
    ]


def print_timings(cases: Sequence[Case], timings: Mapping[str, Timing], unit_ms: bool) -> None:
    scale, unit = (1000.0, "ms") if unit_ms else (1.0, "s")
    header = (
        f"{'row':<12} {'command':<58} {'median ' + unit:>10} {'mean +- sd ' + unit:>16} "
        f"{'min ' + unit:>8} {'max ' + unit:>8}"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        t = timings[case.key]
        mean = f"{t.mean_s * scale:.2f} +- {t.stddev_s * scale:.2f}"
        print(
            f"{case.key:<12} {case.label:<58} {t.median_s * scale:>10.2f} {mean:>16} "
            f"{t.min_s * scale:>8.2f} {t.max_s * scale:>8.2f}"
        )


def print_work(corpus: Corpus, work: LintWork) -> None:
    share = 100.0 * work.files_parsed / work.files
    print(
        f"lint's selection (project.load): {work.dirs_matched}/{work.dirs} directories, in which "
        f"lint parses {work.files_parsed} of {work.files} files ({share:.0f} %)"
    )
    kube = sum(m.kube for m in corpus.modules)
    note = (
        f"({kube} roots configure kubernetes/helm providers, {len(corpus.wired)} of them with "
        "the data source: lint parses where a token source is declared, its callers and what "
        "they call, and where a one-directory rule's text matches.)"
    )
    print(fill(note, width=100, initial_indent="  ", subsequent_indent="  "))


# --- main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace, hyperfine_exe: str, bindir: Path) -> int:
    started = time.monotonic()
    python = str(bindir / "python")
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-lint-bench-") as tmp:
        home = Path(tmp)
        env = isolated_env(os.environ, home, bindir)
        keep: Path | None = args.keep
        if keep is not None and keep.exists():
            raise BenchError(f"{keep} exists; --keep needs a new directory")
        # Commands run in the temporary directory (no lint config of the caller's is picked up)
        # and name the corpus relative to it, as a user would.
        cwd = home
        dest = home / "corpus"

        progress(f"generating the corpus in {dest} (seed {SEED})")
        corpus = generate(dest, SEED)
        if corpus.files < MIN_FILES:
            raise BenchError(f"the corpus has {corpus.files} files, fewer than {MIN_FILES}")
        lines = sum(t.count("\n") for m in corpus.modules for t in m.files.values())
        size = sum(len(t.encode()) for m in corpus.modules for t in m.files.values())
        checked = check_parse(corpus, args.check)
        work = lint_work(dest)

        lint = Case(
            "lint",
            f"eks-tf-auth lint --format json {dest.name}",
            (str(bindir / "eks-tf-auth"), "lint", "--format", "json", dest.name),
            (LINT_EXIT_FINDINGS,),
        )
        parse_all = Case(
            "parse-all",
            "python -c <hcl2.loads every .tf file> " + dest.name,
            (python, "-c", PARSE_ALL, dest.name),
            (0,),
        )
        cases = [lint, parse_all]
        peers: list[Case] = []
        checkov = find_checkov(bindir)
        if checkov is not None:
            peers.append(
                Case(
                    "checkov",
                    f"checkov -d {dest.name} --framework terraform --quiet --compact",
                    (*checkov, "-d", dest.name, "--framework", "terraform", "--quiet", "--compact"),
                    CHECKOV_EXITS,
                )
            )
        tflint = shutil.which("tflint")
        if tflint is not None:
            peers.append(
                Case(
                    "tflint",
                    f"tflint --recursive --chdir {dest.name}",
                    (tflint, "--recursive", "--chdir", dest.name),
                    (0, 2),
                )
            )

        progress("running lint once for its report")
        result = lint_once(lint, env, cwd, corpus)
        if result.exit_code != LINT_EXIT_FINDINGS:
            lint = Case(lint.key, lint.label, lint.argv, (result.exit_code,))
            cases[0] = lint

        progress(f"hyperfine: {len(cases)} commands x ({WARMUP} warm-up + {args.runs} runs)")
        timings = hyperfine(
            hyperfine_exe,
            cases,
            runs=args.runs,
            warmup=WARMUP,
            env=env,
            export=home / "hyperfine.json",
            cwd=cwd,
            ignore_failure=True,  # lint exits 1; each run's exit code is checked against exits
        )
        if peers:
            progress(f"hyperfine: {', '.join(c.key for c in peers)}, {PEER_RUNS} run each")
            timings |= hyperfine(
                hyperfine_exe,
                peers,
                runs=PEER_RUNS,
                warmup=0,
                env=env,
                export=home / "peers.json",
                cwd=cwd,
                ignore_failure=True,
            )
        progress(f"peak RSS of lint: {RSS_RUNS} runs under GNU time")
        lint_rss = peak_rss_mib(lint, env, home, runs=RSS_RUNS, timeout=None, cwd=cwd)

        imports = [
            Case("bare", "python -c pass", (python, "-c", "pass"), (0,)),
            Case("import", f'python -c "{IMPORT_ONLY}"', (python, "-c", IMPORT_ONLY), (0,)),
            Case("first-parse", f'python -c "{FIRST_PARSE}"', (python, "-c", FIRST_PARSE), (0,)),
        ]
        progress(f"hyperfine: hcl2 import and first parse, {IMPORT_WARMUP} + {IMPORT_RUNS} runs")
        import_timings = hyperfine(
            hyperfine_exe,
            imports,
            runs=IMPORT_RUNS,
            warmup=IMPORT_WARMUP,
            env=env,
            export=home / "imports.json",
            cwd=cwd,
            ignore_failure=True,
        )
        if keep is not None:
            shutil.copytree(dest, keep)

    targets = evaluate(timings, result, corpus.expected_findings)
    version = hyperfine_version(hyperfine_exe)
    print(
        f"eks-tf-auth lint benchmark, {time.strftime('%Y-%m-%d')}: {version} --shell=none, "
        f"{WARMUP} warm-up + {args.runs} runs per command"
    )
    print(host(bindir))
    print()
    roots = sum(m.root for m in corpus.modules)
    units = sum("terragrunt.hcl" in m.files for m in corpus.modules)
    children = sum(not m.root and not m.terragrunt for m in corpus.modules)
    print(
        f"corpus (seed {SEED}, sha256 {digest(corpus)}): {len(corpus.modules)} directories "
        f"({roots} roots under live/, {children} child modules under modules/, {units} "
        f"Terragrunt units under terragrunt/), {corpus.files} .tf and .hcl files, {lines} lines, "
        f"{size / 1024 / 1024:.1f} MiB"
    )
    print(
        f"  wired roots ({len(corpus.wired)}, {corpus.expected_findings} providers with the "
        f"data source's token): {', '.join(m.rel for m in corpus.wired)}"
    )
    extras = Counter(name for m in corpus.modules for name in m.extras)
    print(
        "  beside them, sniffed for plans: "
        + ", ".join(f"{n} {name}" for name, n in sorted(extras.items()))
        + " (the plans hold no token)"
    )
    what = "every file" if args.check else f"every {SAMPLE_STEP}th file and the wired roots"
    print(f"  parse check before timing ({what}): {checked} files parsed with hcl2.loads")
    print()
    print_work(corpus, work)
    print(
        f"lint's report: exit {result.exit_code}, {result.findings} findings "
        f"({result.eta001} ETA001), {result.problems} problems; expected "
        f"{corpus.expected_findings} ETA001"
    )
    print()
    print_timings([*cases, *peers], timings, unit_ms=False)
    if checkov is None:
        print(f"checkov: not installed (make bench installs it; or set {CHECKOV_ENV})")
    if "tflint" not in timings:
        print("tflint: not on PATH (neither on PyPI nor in Debian's packages)")
    ratio = timings["parse-all"].median_s / timings["lint"].median_s
    print(f"{'ratio':<12} {'parse-all / lint (medians)':<58} {ratio:>9.2f}x")
    for peer in peers:
        over = timings[peer.key].median_s / timings["lint"].median_s
        print(f"{'ratio':<12} {f'{peer.key} ({PEER_RUNS} run) / lint (median)':<58} {over:>9.2f}x")
    print(
        f"{'peak RSS':<12} {f'lint, the largest of {RSS_RUNS} runs (GNU time %M)':<58} "
        f"{lint_rss:>7.1f} MiB"
    )
    print(f"{'':<12} (%M is the larger of lint's two processes: it and its parser process)")
    print()
    print(f"python-hcl2's first parse ({IMPORT_WARMUP} warm-up + {IMPORT_RUNS} runs each):")
    print_timings(imports, import_timings, unit_ms=True)
    import_ms = (import_timings["import"].median_s - import_timings["bare"].median_s) * 1000
    first_ms = (import_timings["first-parse"].median_s - import_timings["import"].median_s) * 1000
    per_file_ms = (
        (timings["parse-all"].median_s - import_timings["first-parse"].median_s)
        * 1000
        / corpus.tf_files
    )
    print(f"  import hcl2 (import - bare):                  {import_ms:7.1f} ms")
    print(f"  first hcl2.loads (first-parse - import):      {first_ms:7.1f} ms  (grammar load)")
    print(f"  each further file (parse-all, net, per file): {per_file_ms:7.2f} ms")
    explanation = (
        "How lint avoids it: lint parses only a directory that declares a token source or "
        "matches a one-directory rule, or that the dataflow reaches, and there only the files "
        "that can carry a token. Everything else is read and regex-scanned, never parsed, and "
        "each skipped file saves the per-file cost. The import and the first parse are paid "
        "once, in a second process that lint forks for a directory tree (two CPUs or more), "
        "while the first reads and scans the tree. In this corpus lint skips "
        f"{work.files - work.files_parsed} files and parses {work.files_parsed}, each at the "
        "per-file cost (for its cheaper parses_to_tree)."
    )
    print(fill(explanation, width=100, initial_indent="  ", subsequent_indent="  "))
    print()
    print_targets(targets, width=56)
    print()
    return finish(targets, started)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    hyperfine_exe = require_hyperfine(PROG)
    bindir = venv_bin(PROG, ("eks-tf-auth",))
    return guarded(PROG, lambda: bench(args, hyperfine_exe, bindir))


if __name__ == "__main__":
    sys.exit(main())
