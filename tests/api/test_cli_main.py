"""The console script's own behaviour: help, version, clean errors."""

from __future__ import annotations

import argparse

import pytest

from api.cli.main import COMMAND_MODULES, build_parser, main, modules_for


def test_version_prints_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("spotcheck ")


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: spotcheck" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_command_table_matches_what_each_module_registers() -> None:
    for module, commands in COMMAND_MODULES.items():
        parser = build_parser([module])
        (subparsers,) = (
            action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        )
        assert set(subparsers.choices) == set(commands), module


def test_only_the_chosen_commands_module_is_needed() -> None:
    assert modules_for(["--debug", "verify-draw", "frame.csv", "draw"]) == ["api.cli.sample"]
    assert modules_for(["--help"]) == list(COMMAND_MODULES)
    assert modules_for(["no-such-command"]) == list(COMMAND_MODULES)
