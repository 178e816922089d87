"""Mutation smoke: each one-line mutation of the code below must make the tests fail.

For every mutant, the tracked tree is copied to a temporary directory, one line is changed there,
and the tests named for it run in-process against the copy (`PYTHONPATH` and the working directory
point at it; the tests chosen drive no subprocess of the installed console script). A mutant that
survives means a behaviour no test pins: the run fails and names it.

Add a mutant with every capability: the file, the exact text (it must occur once), its
replacement, why it matters, and the fast tests that must catch it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    path: str
    old: str
    new: str
    why: str
    tests: tuple[str, ...]


TOKEN = ("tests/test_token.py",)
CACHE = ("tests/test_cache.py", "tests/exec/test_answer.py")
IDENTITY = ("tests/test_identity.py", "tests/exec", "tests/aws")
MERGE = ("tests/kube/test_kubeconfig.py", "tests/render/test_kubeconfig.py")
EXTERNAL = ("tests/test_external.py",)
LINT = ("tests/lint",)
ASSUME = ("tests/aws/test_assume.py",)

MUTANTS = (
    Mutant(
        "eks_tf_auth/aws/assume.py",
        "e.status in RETRY_STATUS or e.code in RETRY_CODES",
        "e.code in RETRY_CODES",
        "botocore retries a 5xx or 429 whatever its code; AssumeRole without it must too",
        ASSUME,
    ),
    Mutant(
        "eks_tf_auth/aws/assume.py",
        "headers = sign(source, endpoint, body, now())",
        "headers = sign(source, endpoint, body + b' ', now())",
        "the signed body must be the body sent, or STS rejects the signature",
        ASSUME,
    ),
    Mutant(
        "eks_tf_auth/lint/loader.py",
        "    todo |= identity_only\n",
        "",
        "ETA010's modules must be parsed, or lint passes an identity mismatch silently",
        LINT,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        "credentials.expires_at <= signed_at + CREDENTIAL_MARGIN",
        "credentials.expires_at <= signed_at",
        "credentials with 30 s left would give a token dead on arrival",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        "min(expiration, credentials.expires_at - CREDENTIAL_MARGIN)",
        "min(expiration, credentials.expires_at)",
        "the expiration would not keep a minute short of the credentials'",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        "TOKEN_LIFETIME = timedelta(minutes=14)",
        "TOKEN_LIFETIME = timedelta(minutes=15)",
        "clients would use a token up to the second EKS stops accepting it",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        'signed_headers = f"host;{CLUSTER_ID_HEADER}"',
        'signed_headers = "host"',
        "the token would not be bound to its cluster",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        "for k, v in sorted(params)",
        "for k, v in params",
        "the canonical query must be sorted, or STS rejects the signature",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/token.py",
        "(?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)",
        "(?:X-Amz-Signature|X-Amz-Credential)",
        "a session token would reach stderr unredacted",
        TOKEN,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "MIN_REMAINING = 60",
        "MIN_REMAINING = 0",
        "a cached token about to expire would be served",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        'h.update(b"\\0s" + name.encode() + sha256(value).digest())',
        "pass",
        "another secret key would get the old key's token",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "            if st.st_mode & 0o077:\n                return None\n",
        "",
        "a token file others can read would be served",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "or fields[1] != key.encode()",
        "",
        "an entry copied under another key would be served",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "or fields[4] != sha256(body).hexdigest().encode()",
        "",
        "an entry edited on disk would be served as it is",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "or int(fields[2]) > now + CLOCK_SKEW",
        "",
        "an entry written while the clock was fast would be served for hours",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "if name.endswith(suffix) and _is_key(name[: -len(suffix)]):",
        "if name.endswith(suffix):",
        "pruning and cache clear would delete the user's own *.token files",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/cache.py",
        "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "pass",
        "every cold run of a burst would sign (and call AssumeRole) instead of one",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/aws/config.py",
        'return flag or environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE") or None',
        "return flag or (environ['AWS_DEFAULT_PROFILE'] if 'AWS_DEFAULT_PROFILE' in environ "
        "else environ.get('AWS_PROFILE')) or None",
        "an empty AWS_DEFAULT_PROFILE would hide AWS_PROFILE (botocore's reading, not ours)",
        ("tests/aws/test_config.py",),
    ),
    Mutant(
        "eks_tf_auth/aws/session.py",
        'logging.getLogger(__name__).debug("credential_process stderr: %s", redact(text))',
        'logging.getLogger(__name__).debug("credential_process stderr: %s", text)',
        "a credential_process's stderr (keys, secrets) would reach the debug log unredacted",
        IDENTITY,
    ),
    Mutant(
        "eks_tf_auth/exec/answer.py",
        "if not (request.use_cache and cache.enabled(argv, environ)):",
        "if not request.use_cache:",
        "EKS_TF_AUTH_NO_CACHE=1 would be ignored",
        CACHE,
    ),
    Mutant(
        "eks_tf_auth/identity.py",
        "role_arn = request.role_arn if assume else None",
        "role_arn = request.role_arn",
        "DescribeCluster would run as the exec user's role, not the caller",
        IDENTITY,
    ),
    Mutant(
        "eks_tf_auth/identity.py",
        "chosen = request.region or settings.region",
        "chosen = settings.region or request.region",
        "--region would lose to the profile's region",
        IDENTITY,
    ),
    Mutant(
        "eks_tf_auth/aws/credentials.py",
        "if profile or not key or not secret:",
        "if not key or not secret:",
        "--profile would be ignored while environment keys are set",
        IDENTITY,
    ),
    Mutant(
        "eks_tf_auth/aws/credentials.py",
        "if not merged or not PROFILE_KEYS.issuperset(merged):",
        "if not merged:",
        "a profile with a role or SSO would sign with its static keys, not as botocore would",
        ("tests/aws/test_profile_credentials.py",),
    ),
    Mutant(
        "eks_tf_auth/aws/endpoints.py",
        'settings.sts_regional_endpoints == "legacy" and region in LEGACY_GLOBAL_REGIONS',
        'settings.sts_regional_endpoints == "legacy"',
        "legacy mode would send every region to the global endpoint",
        ("tests/aws/test_endpoints.py",),
    ),
    Mutant(
        "eks_tf_auth/exec/protocol.py",
        "if request.region is None and (",
        "if (",
        "the kubeconfig's extension would override --region",
        ("tests/exec/test_protocol.py",),
    ),
    Mutant(
        "eks_tf_auth/exec/shapes.py",
        'Option(("--region",), "--region", lead=True),',
        'Option(("--region",), lead=True),',
        "aws --region R eks get-token (update-kubeconfig's order) would drop the region",
        ("tests/exec/test_shapes.py",),
    ),
    Mutant(
        "eks_tf_auth/cli.py",
        "standalone_mode=False, obj=args)",
        "standalone_mode=False, obj=run)",
        "another plugin's arguments would be stored under a key the warm path never looks up",
        ("tests/exec/test_shapes.py",),
    ),
    Mutant(
        "eks_tf_auth/kube/kubeconfig.py",
        'entries[index[entry["name"]]] = entry',
        "entries.append(entry)",
        "a merge would duplicate entries instead of replacing them",
        MERGE,
    ),
    Mutant(
        "eks_tf_auth/kube/kubeconfig.py",
        'if set_context or not merged.get("current-context"):',
        "if True:",
        "a merge would steal the user's current context",
        MERGE,
    ),
    Mutant(
        "eks_tf_auth/external.py",
        'given = {k: v for k, v in doc.items() if v != ""}',
        "given = dict(doc)",
        'Terraform\'s "" (not given) would be taken as a value',
        EXTERNAL,
    ),
    Mutant(
        "eks_tf_auth/external.py",
        'include_token=include == "true",',
        "include_token=True,",
        "every external result would carry a plan-time token",
        EXTERNAL,
    ),
    Mutant(
        "eks_tf_auth/render/env.py",
        'elif " " <= char <= "~" and not (char in "$%" and value.startswith("{", i + 1)):',
        'elif " " <= char <= "~":',
        "a rendered value with ${ would start an interpolation in the user's HCL",
        ("tests/render/test_env.py",),
    ),
    Mutant(
        "eks_tf_auth/render/env.py",
        'out.append(f"\\\\U{ord(char):08x}")',
        "out.append(json.dumps(char)[1:-1])",
        "a character beyond the BMP would be a surrogate pair terraform fmt rejects",
        ("tests/render/test_env.py",),
    ),
    Mutant(
        "eks_tf_auth/lint/flow.py",
        'changed |= self._set(directory, f"local.{attr.name}", t)',
        "pass",
        "a token passed through a local would go unflagged",
        LINT,
    ),
    Mutant(
        "eks_tf_auth/lint/flow.py",
        'changed |= self._set(call.child, f"var.{attr.name}", t)',
        "pass",
        "a token passed into a child module would go unflagged",
        LINT,
    ),
    Mutant(
        "eks_tf_auth/lint/flow.py",
        'changed |= self._set(call.caller, f"module.{name}.{output.labels[0]}", t)',
        "pass",
        "a token returned from a module output would go unflagged",
        LINT,
    ),
    Mutant(
        "eks_tf_auth/lint/loader.py",
        "if stat.S_ISDIR(mode):",
        "if not stat.S_ISREG(mode):",
        "a pipe (/dev/stdin, a SHOWFILE) or a device would be walked as an empty directory: a "
        "piped plan with a live token would pass clean",
        ("tests/lint/test_loader.py",),
    ),
    Mutant(
        "eks_tf_auth/kube/aws_auth.py",
        'return _role_arn(parsed, "/".join(parts[1:-1]))',
        "return arn",
        "aws-auth: an assumed-role caller would be compared as its session ARN, never as its role",
        ("tests/kube/test_aws_auth.py",),
    ),
    Mutant(
        "eks_tf_auth/kube/aws_auth.py",
        "self._roles = {e.arn.lower(): e for e in self._usable(MAP_ROLES) if e.arn}",
        "self._roles = {e.arn.lower(): e for e in [*self._usable(MAP_ROLES)][::-1] if e.arn}",
        "aws-auth: the first of two entries for one role would win, where EKS uses the last",
        ("tests/kube/test_aws_auth.py",),
    ),
    Mutant(
        "eks_tf_auth/kube/aws_auth.py",
        "subject = canonical_arn(arn).lower()",
        "subject = canonical_arn(arn)",
        "aws-auth: ARNs would be compared with their case, where EKS ignores it",
        ("tests/kube/test_aws_auth.py",),
    ),
    Mutant(
        "eks_tf_auth/kube/kuberc.py",
        'return None, f"{POLICY} is {policy}: every plugin runs"',
        "pass",
        "kuberc: a merge into a kuberc that runs every plugin would make it an Allowlist of "
        "eks-tf-auth alone, locking out the user's other plugins",
        ("tests/kube/test_kuberc.py",),
    ),
    Mutant(
        "eks_tf_auth/render/kubeconfig.py",
        "user = entry if who.role_arn is None else name",
        "user = entry",
        "render kubeconfig: the users of two roles of one cluster would share a name, the last "
        "overwriting the others (aws eks update-kubeconfig's bug)",
        ("tests/render/test_kubeconfig.py",),
    ),
    Mutant(
        "eks_tf_auth/access/translate.py",
        "last = max(same, key=lambda e: e.index)",
        "last = min(same, key=lambda e: e.index)",
        "access entries: of one user written in two cases (mapped the same), the first entry "
        "would migrate and the last be reported as its duplicate, against last-wins",
        ("tests/access/test_translate.py",),
    ),
    Mutant(
        "eks_tf_auth/access/translate.py",
        "policies=(PolicyPlan(policy_arn(ADMIN_POLICY, partition)),) if masters else (),",
        "policies=(),",
        "access entries: system:masters would not become AmazonEKSClusterAdminPolicy, so its "
        "admins would lose access once aws-auth is gone",
        ("tests/access/test_translate.py",),
    ),
    Mutant(
        "eks_tf_auth/access/apply.py",
        "known = listed.get(arn.lower())",
        "known = None",
        "access entries: apply would try to create every entry again (a second run would not "
        "be a no-op)",
        ("tests/access/test_apply.py",),
    ),
    Mutant(
        "eks_tf_auth/doctor/trust_policy.py",
        '"stringequals": False,',
        '"stringequals": True,',
        "doctor: a StringEquals trust condition with '*' would pass as a pattern, where STS "
        "compares it literally (AccessDenied on AssumeRoleWithWebIdentity)",
        ("tests/doctor/test_trust_policy.py",),
    ),
    Mutant(
        "eks_tf_auth/doctor/tokens.py",
        "if CLUSTER_ID_HEADER not in shape.signed_headers or",
        "if",
        "doctor: a token that does not sign x-k8s-aws-id (bound to no cluster) would pass",
        ("tests/doctor/test_tokens.py",),
    ),
    Mutant(
        "eks_tf_auth/doctor/checks/access_entry.py",
        "role.created > found.created",
        "role.created < found.created",
        "doctor: an access entry older than its role (the role deleted and created again) would "
        "pass, and every healthy entry fail",
        ("tests/doctor/test_checks.py",),
    ),
    Mutant(
        "eks_tf_auth/aws_auth/__init__.py",
        "        except Conflict:\n",
        "        except Exception:\n",
        "aws-auth: a 403, a backup that cannot be saved or any other failure would be retried "
        "like a 409 conflict",
        ("tests/aws_auth/test_library.py",),
    ),
    Mutant(
        "eks_tf_auth/aws_auth/__init__.py",
        "if not change.changed or dry_run:",
        "if dry_run:",
        "aws-auth: an edit that changes nothing would still write (and back up) the ConfigMap",
        ("tests/aws_auth/test_library.py",),
    ),
    Mutant(
        "eks_tf_auth/lint/loader.py",
        "for sibling in [path, *siblings]:",
        "for sibling in [path]:",
        "lint FILE (pre-commit's staged files) would not see the data source declared in the "
        "file beside it: a staged providers.tf with token = local.token would pass",
        ("tests/lint/test_loader.py",),
    ),
    Mutant(
        "eks_tf_auth/lint/connections.py",
        "return dynamic if token_atom == exec_atom and token_set != exec_set else None",
        "return dynamic if token_atom == exec_atom else None",
        "a token and a dynamic exec block set under the same condition would pass as exclusive: "
        "ETA005 silent where the static token wins, and --fix dropping the provider's only "
        "credential",
        ("tests/lint/test_rules.py",),
    ),
    Mutant(
        "eks_tf_auth/lint/fix.py",
        "seeds.setdefault(home[path], set()).update(attr.refs)",
        "pass",
        "--fix would leave the data source (and the locals carrying its token) behind once the "
        "provider no longer uses it",
        ("tests/lint/test_fix.py",),
    ),
)


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if (ROOT / line).is_file()]


def copy_tree(dest: Path, files: list[str]) -> None:
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def run(mutant: Mutant, files: list[str]) -> tuple[bool, float]:
    """True when the tests caught the mutant (failed)."""
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-mutant-") as tmp:
        tree = Path(tmp)
        copy_tree(tree, files)
        path = tree / mutant.path
        text = path.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            raise SystemExit(
                f"mutants: {mutant.path}: the text to mutate occurs "
                f"{text.count(mutant.old)} times: {mutant.old!r}"
            )
        path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
        env["PYTHONPATH"] = str(tree)
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "not real",
                "-o",
                "addopts=",
                *mutant.tests,
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        elapsed = time.monotonic() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(
                f"mutants: pytest could not run for {mutant.path}:\n{proc.stdout}{proc.stderr}"
            )
        return proc.returncode == 1, elapsed


def main(argv: list[str]) -> int:
    """`mutants.py [PATH-PART ...]`: only the mutants of files whose path contains one of them.
    Mutants run two at a time (each in its own copy of the tree)."""
    from concurrent.futures import ThreadPoolExecutor

    files = tracked_files()
    started = time.monotonic()
    chosen = [m for m in MUTANTS if not argv or any(part in m.path for part in argv)]
    workers = max(1, min(len(chosen), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda m: run(m, files), chosen))
    survivors = []
    for number, (mutant, (caught, elapsed)) in enumerate(zip(chosen, outcomes, strict=True), 1):
        verdict = "caught" if caught else "SURVIVED"
        print(f"mutant {number:2d} {verdict:8s} {elapsed:5.1f}s  {mutant.path}: {mutant.why}")
        if not caught:
            survivors.append(mutant)
    print(
        f"mutants: {len(chosen) - len(survivors)} of {len(chosen)} caught "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
