"""Discovery keeps an index of the logins kept so far instead of comparing each new one with
every kept one: it must keep exactly the logins the pairwise rule (_same_account) keeps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from providers.base import Account, Problem
from providers.codex.provider import _Kept, _same_account
from providers.kit.secrets import Secret
from providers.model import Status

logins = st.builds(
    lambda n, identity, secret, broken: Account(
        provider="codex",
        label=f"acc{n}",
        source=f"account/acc{n}.auth.json",
        identity=identity,
        secret=Secret(secret) if secret is not None else None,
        problem=Problem(Status.AUTH_EXPIRED, "expired") if broken else None,
    ),
    st.integers(0, 99),
    st.sampled_from([None, "", "id-a", "id-b", "id-c"]),
    st.sampled_from([None, "", "tok-1", "tok-2", "tok-3"]),
    st.booleans(),
)


@given(kept=st.lists(logins, max_size=12), candidates=st.lists(logins, max_size=12))
def test_the_index_finds_a_twin_exactly_when_the_pairwise_rule_does(kept, candidates) -> None:
    index = _Kept()
    for account in kept:
        index.add(account)
    for account in candidates:
        pairwise = any(not k.problem and _same_account(k, account) for k in kept)
        assert index.has_same(account) == pairwise
