"""`make demo`: kubectl authenticates to a local EKS API double through `eks-tf-auth exec`.

Offline: the API double on 127.0.0.1 verifies each EKS token the way EKS's authenticator does and
recomputes its signature from a demo secret, so no AWS account is involved.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.eks_double import EksApiDouble, Identity

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ARN = "arn:aws:iam::123456789012:user/demo"
CLUSTER = "demo"
BIN = Path(sys.executable).parent


def kubectl_binary() -> str:
    found = shutil.which("kubectl")
    if found is None:
        sys.exit("demo: kubectl is not on PATH")
    versioned = Path(os.path.realpath(found)).parent / "kubectl.1.33"
    return str(versioned) if versioned.exists() else found


def write_kubeconfig(path: Path, double: EksApiDouble) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CLUSTER,
                "cluster": {
                    "server": double.url,
                    "certificate-authority-data": double.ca_data,
                    "extensions": [
                        {
                            "name": "client.authentication.k8s.io/exec",
                            "extension": {"clusterName": CLUSTER, "region": "us-west-2"},
                        }
                    ],
                },
            }
        ],
        "users": [
            {
                "name": CLUSTER,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1",
                        "command": str(BIN / "eks-tf-auth"),
                        "args": ["exec"],
                        "interactiveMode": "Never",
                        "provideClusterInfo": True,
                    }
                },
            }
        ],
        "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": CLUSTER}}],
        "current-context": CLUSTER,
    }
    path.write_text(json.dumps(config, indent=2))


def run(cmd: list[str], env: dict[str, str]) -> tuple[str, float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"demo: {' '.join(cmd[:1] + cmd[3:])} failed:\n{proc.stderr}")
    return proc.stdout, elapsed


def main() -> int:
    kubectl = kubectl_binary()
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-demo-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "KUBERNETES_", "EKS_TF_AUTH_"))
        }
        env.update(
            HOME=tmp,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET,
            AWS_EC2_METADATA_DISABLED="true",
            EKS_TF_AUTH_CACHE_DIR=str(Path(tmp) / "cache"),
        )
        identities = {ACCESS_KEY: Identity(ARN, SECRET)}
        with EksApiDouble(cluster_id=CLUSTER, identities=identities) as double:
            config = Path(tmp) / "kubeconfig"
            write_kubeconfig(config, double)
            base = [kubectl, "--kubeconfig", str(config)]
            print(f"EKS API double (verifies EKS tokens): {double.url}")
            print(f"kubeconfig exec user: {BIN / 'eks-tf-auth'} exec  (provideClusterInfo)")
            print()
            out, cold = run([*base, "auth", "whoami"], env)
            print(f"$ kubectl auth whoami       # {cold * 1000:.0f} ms, token signed")
            print(out.rstrip())
            out, warm = run([*base, "get", "namespaces"], env)
            print(f"$ kubectl get namespaces    # {warm * 1000:.0f} ms, token from cache")
            print(out.rstrip())
            print()
            print("what the API server saw:")
            for r in double.requests:
                print(f"  {r.method:4} {r.path:50} {r.status}  {r.username or r.reason}")
            ok = bool(double.requests) and all(r.username == ARN for r in double.requests)
    print()
    print("authenticated as " + ARN if ok else "demo: some requests were not authenticated")
    return 0 if ok and lint_legacy_example() else 1


def lint_legacy_example() -> bool:
    """The anti-pattern the exec plugin replaces, as `eks-tf-auth lint` sees and fixes it."""
    legacy = Path(__file__).resolve().parent.parent / "examples" / "legacy-token"
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-demo-") as tmp:
        work = Path(tmp) / "legacy-token"
        shutil.copytree(legacy, work)
        tool = str(BIN / "eks-tf-auth")
        found = subprocess.run(
            [tool, "lint", "."], cwd=work, capture_output=True, text=True, timeout=120, check=False
        )
        diff = subprocess.run(
            [tool, "lint", "--fix", "--diff", "."],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    print()
    print("$ eks-tf-auth lint examples/legacy-token")
    print(found.stdout.rstrip())
    print("$ eks-tf-auth lint --fix --diff examples/legacy-token")
    print(diff.stdout.rstrip())
    return found.returncode == 1 and "ETA001" in found.stdout and "+  exec {" in diff.stdout


if __name__ == "__main__":
    raise SystemExit(main())
