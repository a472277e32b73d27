"""Hypothesis strategies for answers from outside: any JSON, and real answers mutated.

A parser's own keys are drawn as often as random ones, and the leaves are the values that break
readers (integers past a float, edge floats, dates, known words), so a run reaches deep paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

# Integers beyond what a float holds (float(10**400) raises OverflowError), 64-bit edges.
HUGE_INTS = [
    0,
    -1,
    1,
    2**31,
    2**53 + 1,
    2**63,
    2**64,
    -(2**63),
    10**20,
    10**308,
    10**400,
    -(10**400),
]
EDGE_FLOATS = [0.0, -0.0, 1e-300, 5e-324, -1e-300, 1e308, -1e308, 1.7976931348623157e308, 0.5]
# Text that the value readers try to understand: numbers, dates, percentages, known words.
TEXTS = [
    "",
    " ",
    "0",
    "12",
    "-1",
    "50%",
    "1e308",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "-Infinity",
    "0E-10",
    "99999999999999999999999",
    "1763812800",
    "1763812800000",
    "2026-11-20T10:00:00Z",
    "2026-11-20",
    "2026-11-20T10:00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "not a date",
    "true",
    "false",
    "null",
    "TOKENS_LIMIT",
    "TIME_LIMIT",
    "CREDIT_LIMIT",
    "session",
    "weekly_all",
    "weekly_scoped",
    "REQUESTS",
    "INPUT_TOKENS",
    "premium_requests",
    "copilot_premium_request",
    "individual",
    "free_limited_copilot",
    "pro+",
    "USD",
    "eur",
    "plus",
    "sk-ant-oat01-abcdefghijklmnopqrstuvwxyz0123456789",
    "gho_0123456789abcdefghijklmnopqrstuvwxyz",
    "ümlaut ✓ 中文",
]


def json_values(keys: Iterable[str]) -> st.SearchStrategy[Any]:
    """Any JSON value; objects use the parser's real keys as often as random ones."""
    known = sorted(set(keys))
    leaves = scalar_leaves(known)
    object_keys = st.one_of(st.sampled_from(known), st.sampled_from(known), st.text(max_size=10))
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(object_keys, children, max_size=6),
        ),
        max_leaves=40,
    )


def scalar_leaves(keys: Iterable[str]) -> st.SearchStrategy[Any]:
    """The values that break readers: integers past a float, edge floats, dates, known words."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(HUGE_INTS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(EDGE_FLOATS),
        st.text(max_size=12),
        st.sampled_from(TEXTS),
        st.sampled_from(sorted(set(keys))),
    )


def odd_leaves(keys: Iterable[str]) -> st.SearchStrategy[Any]:
    return st.one_of(scalar_leaves(keys), st.just({}), st.just([]))


def mutated(seed: Any, keys: Iterable[str]) -> st.SearchStrategy[Any]:
    """A real answer with parts dropped, replaced, retyped or added: deep odd values that a
    free-form strategy would rarely reach."""
    keys = sorted(set(keys))
    anything = json_values(keys)
    leaves = odd_leaves(keys)

    @st.composite
    def mutate(draw: st.DrawFn, node: Any) -> Any:
        if draw(st.integers(0, 11)) == 0:
            return draw(anything)  # a whole subtree replaced
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if draw(st.integers(0, 9)) == 0:
                    continue  # dropped
                out[key] = draw(mutate(value))
            if draw(st.integers(0, 4)) == 0:
                out[draw(st.one_of(st.sampled_from(keys), st.text(max_size=8)))] = draw(leaves)
            return out
        if isinstance(node, list):
            out_list = [draw(mutate(item)) for item in node if draw(st.integers(0, 9))]
            if node and draw(st.integers(0, 4)) == 0:
                out_list.append(draw(mutate(node[0])))  # a duplicate entry
            return out_list
        return node if draw(st.integers(0, 4)) < 2 else draw(leaves)

    return mutate(seed)


def answers(keys: Iterable[str], *seeds: Any) -> st.SearchStrategy[Any]:
    """Mostly mutated real answers, sometimes any JSON at all."""
    keys = list(keys)
    return st.one_of(json_values(keys), *(mutated(seed, keys) for seed in seeds))
