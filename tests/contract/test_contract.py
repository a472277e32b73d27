"""Every registered provider passes the same checks: the parameters come from the registry, so
a provider added there is checked here with no list to edit (test_new_provider.py proves it)."""

from __future__ import annotations

import pytest
from contract_checks import (
    check_demo_round_trip,
    check_files_only_read,
    check_fuzzed_fetch,
    check_no_leak,
    check_window_ids_unique,
    every_provider,
    provider_id,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers.base import Provider

EVERY_PROVIDER = pytest.mark.parametrize("provider", every_provider(), ids=provider_id)
# A share of the profile's count (tests/conftest.py): each example fetches every demo account.
FUZZ = settings(
    max_examples=max(10, settings().max_examples // 8),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EVERY_PROVIDER
def test_demo_round_trip_survives_the_json_document(provider: Provider) -> None:
    check_demo_round_trip(provider)


@EVERY_PROVIDER
def test_window_ids_are_unique_within_every_account(provider: Provider) -> None:
    check_window_ids_unique(provider)


@EVERY_PROVIDER
def test_fuzzed_answers_never_raise_and_give_a_valid_status(provider: Provider) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        check_fuzzed_fetch(provider, data.draw)

    run()


@EVERY_PROVIDER
@pytest.mark.parametrize("as_json", [False, True], ids=["once", "json"])
def test_credentials_never_reach_the_output(provider: Provider, capsys, as_json: bool) -> None:
    check_no_leak(provider, capsys, as_json)


@EVERY_PROVIDER
def test_credential_files_are_only_read(provider: Provider, capsys) -> None:
    check_files_only_read(provider, capsys)
