"""set-mode against a Stubber: UpdateClusterConfig, DescribeUpdate polled (a fake clock and
sleep) until Successful or Failed; API refused while the plan has unmigrated mappings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eks_tf_auth.access.mode import ModeChange, set_mode
from eks_tf_auth.access.model import ClusterFacts, Mode, Plan
from eks_tf_auth.access.translate import reconcile, translate
from eks_tf_auth.errors import AwsError, Error, InputError
from tests.access.support import CLUSTER, CLUSTER_ARN, REGION, Stubs, item, role


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    with Stubs().active() as found:
        yield found


def update(
    stubs: Stubs, mode: str, *statuses: str, errors: list[dict[str, str]] | None = None
) -> None:
    stubs.eks.add_response(
        "update_cluster_config",
        {"update": {"id": "u1", "status": "InProgress", "type": "AccessConfigUpdate"}},
        {"name": CLUSTER, "accessConfig": {"authenticationMode": mode}},
    )
    for status in statuses:
        found: dict[str, object] = {"id": "u1", "status": status}
        if errors and status != "InProgress":
            found["errors"] = errors
        stubs.eks.add_response(
            "describe_update", {"update": found}, {"name": CLUSTER, "updateId": "u1"}
        )


FACTS = ClusterFacts(CLUSTER, REGION, CLUSTER_ARN, "1.29", "eks.8", Mode.API_AND_CONFIG_MAP, True)
MIGRATED = Plan("s", FACTS, entries_checked=True)


def test_switch_to_api_and_config_map_polls_until_successful(stubs: Stubs) -> None:
    clock = Clock()
    seen: list[tuple[str, float]] = []
    stubs.describe("CONFIG_MAP")
    update(stubs, "API_AND_CONFIG_MAP", "InProgress", "Successful")
    change = set_mode(
        stubs.clients,
        CLUSTER,
        REGION,
        Mode.API_AND_CONFIG_MAP,
        sleep=clock.sleep,
        clock=clock,
        interval=10,
        progress=lambda s, t: seen.append((s, t)),
    )
    assert change == ModeChange(CLUSTER, Mode.CONFIG_MAP, Mode.API_AND_CONFIG_MAP, "u1", 20.0)
    assert clock.slept == [10, 10] and seen == [("InProgress", 10.0), ("Successful", 20.0)]


def test_the_same_mode_changes_nothing(stubs: Stubs) -> None:
    stubs.describe("API")
    assert set_mode(stubs.clients, CLUSTER, REGION, Mode.API).update_id is None


def test_api_cannot_go_back(stubs: Stubs) -> None:
    stubs.describe("API")
    with pytest.raises(Error, match="in API mode already: changing the authentication mode is one"):
        set_mode(stubs.clients, CLUSTER, REGION, Mode.API_AND_CONFIG_MAP)
    with pytest.raises(InputError, match="CONFIG_MAP cannot be set"):
        set_mode(stubs.clients, CLUSTER, REGION, Mode.CONFIG_MAP)


def test_a_platform_without_access_entries_is_refused(stubs: Stubs) -> None:
    stubs.describe("CONFIG_MAP", version="1.27", platform="eks.3")
    with pytest.raises(Error, match=r"Kubernetes 1.27, platform eks.3\) has no access entries"):
        set_mode(stubs.clients, CLUSTER, REGION, Mode.API_AND_CONFIG_MAP)


def test_api_is_refused_while_something_is_unmigrated(stubs: Stubs) -> None:
    data = {"mapRoles": item(role("admin"), "admin", "system:masters"), "mapAccounts": "- '1'\n"}
    unmigrated = reconcile(translate(data, source="s", cluster=FACTS), {})
    stubs.describe().describe().describe()
    with pytest.raises(
        Error, match="refusing to switch cluster 'prod' to API: 1 mapping"
    ) as caught:
        set_mode(stubs.clients, CLUSTER, REGION, Mode.API, plan=lambda: unmigrated)
    assert "has no access entry yet" in caught.value.message
    assert "--force" in (caught.value.hint or "")
    with pytest.raises(Error, match="no plan to check against"):
        set_mode(stubs.clients, CLUSTER, REGION, Mode.API)
    blocked = translate({"mapAccounts": "- '111122223333'\n"}, source="s", cluster=FACTS)
    with pytest.raises(Error, match="mapAccounts line 1"):
        set_mode(stubs.clients, CLUSTER, REGION, Mode.API, plan=lambda: blocked)


def test_api_when_everything_is_migrated_or_forced(stubs: Stubs) -> None:
    clock = Clock()
    stubs.describe()
    update(stubs, "API", "Successful")
    change = set_mode(
        stubs.clients,
        CLUSTER,
        REGION,
        Mode.API,
        plan=lambda: MIGRATED,
        sleep=clock.sleep,
        clock=clock,
    )
    assert change.after is Mode.API and change.before is Mode.API_AND_CONFIG_MAP
    stubs.describe()
    update(stubs, "API", "Successful")
    forced = set_mode(
        stubs.clients,
        CLUSTER,
        REGION,
        Mode.API,
        plan=lambda: pytest.fail("a forced switch needs no plan"),
        force=True,
        sleep=clock.sleep,
        clock=clock,
    )
    assert forced.update_id == "u1"


def test_a_failed_update_is_an_error_with_eks_reasons(stubs: Stubs) -> None:
    clock = Clock()
    stubs.describe("CONFIG_MAP")
    update(
        stubs,
        "API_AND_CONFIG_MAP",
        "Failed",
        errors=[{"errorCode": "AccessDenied", "errorMessage": "no"}],
    )
    with pytest.raises(AwsError, match="ended Failed: AccessDenied: no") as caught:
        set_mode(
            stubs.clients, CLUSTER, REGION, Mode.API_AND_CONFIG_MAP, sleep=clock.sleep, clock=clock
        )
    assert "describe-update --name prod --update-id u1" in (caught.value.hint or "")
    stubs.describe("CONFIG_MAP")
    update(stubs, "API_AND_CONFIG_MAP", "Cancelled")
    with pytest.raises(AwsError, match="ended Cancelled: EKS gives no reason"):
        set_mode(
            stubs.clients, CLUSTER, REGION, Mode.API_AND_CONFIG_MAP, sleep=clock.sleep, clock=clock
        )


def test_an_update_that_outlasts_the_timeout_is_an_error(stubs: Stubs) -> None:
    clock = Clock()
    stubs.describe("CONFIG_MAP")
    update(stubs, "API_AND_CONFIG_MAP", "InProgress", "InProgress")
    with pytest.raises(AwsError, match="still in progress after 25 s"):
        set_mode(
            stubs.clients,
            CLUSTER,
            REGION,
            Mode.API_AND_CONFIG_MAP,
            sleep=clock.sleep,
            clock=clock,
            interval=15,
            timeout=25,
        )
