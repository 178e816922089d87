"""The commands keep their choices and defaults as literals, once, in `commands/_options.py` (so
that `--help` loads no core module); each must equal the core's."""

from __future__ import annotations

import click

from eks_tf_auth import cli
from eks_tf_auth.access import report
from eks_tf_auth.access.model import Mode
from eks_tf_auth.commands import _options
from eks_tf_auth.exec import argv, protocol
from eks_tf_auth.lint import fix, rule
from eks_tf_auth.lint.formats import FORMATS
from eks_tf_auth.render import atlantis, providers


def test_choices_and_defaults_equal_the_core() -> None:
    assert _options.API_VERSIONS == protocol.API_VERSIONS
    assert (_options.API_V1, _options.API_V1BETA1) == (protocol.API_V1, protocol.API_V1BETA1)
    assert _options.DEFAULT_COMMAND == argv.DEFAULT_COMMAND
    assert _options.PROVIDERS == providers.PROVIDERS
    assert _options.HELM_SYNTAXES == providers.HELM_SYNTAXES
    assert tuple(s.value for s in providers.Source) == _options.SOURCES
    assert _options.DEFAULT_MODULE_SOURCE == providers.DEFAULT_MODULE_SOURCE
    assert _options.ATLANTIS_FILES == atlantis.FILES
    assert _options.ATLANTIS_BASE_IMAGE == atlantis.BASE_IMAGE
    assert _options.ATLANTIS_INSTALLS == atlantis.INSTALLS
    assert _options.ATLANTIS_STANDALONE_BASE_IMAGE == atlantis.STANDALONE_BASE_IMAGE
    assert _options.ATLANTIS_IDENTITIES == atlantis.IDENTITIES
    assert _options.ATLANTIS_SERVICE_ACCOUNT == atlantis.DEFAULT_SERVICE_ACCOUNT
    assert _options.ATLANTIS_ROLE_NAME == atlantis.DEFAULT_ROLE_NAME
    assert tuple(FORMATS) == _options.LINT_FORMATS
    assert _options.FIX_MODES == fix.MODES
    assert tuple(m.value for m in Mode if m.has_api) == _options.AUTH_MODES
    assert _options.PLAN_OUTPUTS == report.OUTPUTS
    assert _options.FAIL_ON == rule.FAIL_ON


def _options_of(*path: str) -> dict[str, click.Parameter]:
    command: click.Command = cli.commands()[path[0]]
    for name in path[1:]:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return {p.name: p for p in command.params if p.name}


def test_every_choice_a_command_offers_comes_from_the_shared_module() -> None:
    offered = {
        ("render", "provider", "api_version"): _options.API_VERSIONS,
        ("render", "kubeconfig", "api_version"): _options.API_VERSIONS,
        ("render", "provider", "providers"): (*_options.PROVIDERS, "all"),
        ("render", "provider", "helm_syntax"): _options.HELM_SYNTAXES,
        ("render", "provider", "source"): _options.SOURCES,
        ("render", "atlantis", "only"): _options.ATLANTIS_FILES,
        ("render", "atlantis", "identity"): _options.ATLANTIS_IDENTITIES,
        ("render", "atlantis", "install"): _options.ATLANTIS_INSTALLS,
        ("lint", "fmt"): _options.LINT_FORMATS,
        ("lint", "fix_mode"): _options.FIX_MODES,
        ("access-entries", "set-mode", "mode"): _options.AUTH_MODES,
        ("access-entries", "plan", "output"): _options.PLAN_OUTPUTS,
        ("lint", "fail_on"): _options.FAIL_ON,
    }
    for (*path, name), choices in offered.items():
        param = _options_of(*path)[name]
        assert isinstance(param.type, click.Choice), (path, name)
        assert tuple(param.type.choices) == choices, (path, name)


def test_identity_flags_are_the_same_on_every_command() -> None:
    """--role is --role-arn wherever a role is taken; the flags are spelled as the AWS CLI's."""
    commands = [("exec",), ("render", "provider"), ("render", "kubeconfig")]
    for path in commands:
        params = _options_of(*path)
        assert params["role_arn"].opts == ["--role-arn", "--role"], path
        for name in ("cluster_name", "cluster_names", "region", "profile"):
            if name in params:
                assert params[name].opts == ["--" + name.replace("_", "-").rstrip("s")], path
    assert _options_of("render", "atlantis")["region"].opts == ["--region"]
