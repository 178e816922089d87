"""doctor/apiserver.py against the HTTPS EKS API double: a SelfSubjectReview at the newest version
served, a ServiceAccount read, TLS verified against the CA, one-line errors for what cannot be
reached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eks_tf_auth import identity
from eks_tf_auth.doctor import apiserver
from eks_tf_auth.doctor.apiserver import Answer, Server
from eks_tf_auth.errors import KubeError
from eks_tf_auth.identity import ClusterRequest
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import free_port

ENV = {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET}
REVIEW = "/apis/authentication.k8s.io/{}/selfsubjectreviews"


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="prod", identities=identities) as running:
        yield running


def token() -> str:
    resolved = identity.resolve(ClusterRequest(cluster_name="prod", region="us-west-2"), ENV)
    return identity.mint_token(resolved, identity.credentials(resolved, ENV)).value


def test_a_review_says_who_the_token_is(double: EksApiDouble) -> None:
    answer = apiserver.self_subject_review(Server(double.url, double.ca_pem, token()))
    assert answer.status == 201
    assert answer.body["status"]["userInfo"]["username"] == TEST_ARN
    assert [r.path for r in double.requests] == [REVIEW.format("v1")]


def test_older_servers_are_asked_at_older_versions(double: EksApiDouble) -> None:
    double.answer(404, path=REVIEW.format("v1"))
    double.answer(404, path=REVIEW.format("v1beta1"))
    answer = apiserver.self_subject_review(Server(double.url, double.ca_pem, token()))
    assert answer.status == 201
    double.answer(404, path=REVIEW.format("v1alpha1"))
    assert apiserver.self_subject_review(Server(double.url, double.ca_pem, token())).status == 404


def test_a_refusal_is_an_answer(double: EksApiDouble) -> None:
    answer = apiserver.self_subject_review(Server(double.url, double.ca_pem, "k8s-aws-v1.bogus"))
    assert (answer.status, answer.message) == (401, "Unauthorized")
    double.answer(500, body=b"plain text")
    answer = apiserver.service_account(Server(double.url, double.ca_pem, token()), "apps", "app")
    assert (answer.status, answer.body, answer.message) == (500, {}, "Internal Server Error")


def test_tls_is_verified(double: EksApiDouble) -> None:
    with EksApiDouble(cluster_id="prod", identities={}) as other:
        wrong = Server(double.url, other.ca_pem, token())
        with pytest.raises(KubeError, match="certificate the cluster's CA did not sign"):
            apiserver.self_subject_review(wrong)
    with pytest.raises(KubeError, match="certificate the cluster's CA did not sign"):
        apiserver.self_subject_review(Server(double.url, None, token()))  # the system's store
    with pytest.raises(KubeError, match="holds no PEM certificate"):
        apiserver.self_subject_review(Server(double.url, "not a certificate", token()))


def test_what_cannot_be_reached() -> None:
    with pytest.raises(KubeError, match="cannot reach the API server"):
        apiserver.service_account(Server(f"https://127.0.0.1:{free_port()}", None, "t"), "a", "b")
    with pytest.raises(KubeError, match="is not https"):
        apiserver.service_account(Server("http://127.0.0.1:1", None, "t"), "a", "b")


def test_an_answer_without_a_status_message() -> None:
    assert Answer(418, {"message": 7}).message == "I'm a Teapot"
    assert Answer(599).message == ""
