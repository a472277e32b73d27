"""Turning accounts into snapshots: precheck, fetch, parse, and every failure into a status.

This is the one path used by the app, --once, --json, --demo and the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import overload

from providers.base import Account, ParseError, Problem, Provider
from providers.kit.http import FetchError, HttpSession
from providers.kit.secrets import scrub
from providers.kit.text import LONG_TEXT_LIMIT, TEXT_LIMIT, clean_text
from providers.kit.window_ids import binding_first, unique_windows
from providers.model import AccountSnapshot, Quota, Status


def _now() -> datetime:
    return datetime.now(UTC)


def snapshot_of(
    account: Account,
    status: Status,
    message: str | None = None,
    quota: Quota | None = None,
    fetched_at: datetime | None = None,
    retry_after: float | None = None,
) -> AccountSnapshot:
    quota = _scrubbed(quota or Quota())
    # A failed fetch still knows the plan when the credential file names it (Claude's
    # subscriptionType, Copilot's tier).
    plan = quota.plan or _safe(account.extra.get("plan"))
    return AccountSnapshot(
        provider=account.provider,
        # The account's own label and source were cleaned when it was built (Account); they
        # are names we chose or found on disk, not server text, so they are not scrubbed.
        account=quota.account or account.label,
        source=account.source,
        active=account.active,
        status=status,
        message=_safe(message, LONG_TEXT_LIMIT) if message else None,
        plan=plan or None,
        windows=quota.windows,
        balances=quota.balances,
        fetched_at=fetched_at,
        retry_after=retry_after,
        details=quota.details,
        key=account.key,
        identity=quota.identity,
    )


def pending_snapshot(account: Account) -> AccountSnapshot:
    """What an account looks like before its first answer arrives."""
    return snapshot_of(account, Status.OK if not account.problem else account.problem.status)


@overload
def _safe(text: str, limit: int = TEXT_LIMIT) -> str: ...
@overload
def _safe(text: str | None, limit: int = TEXT_LIMIT) -> str | None: ...
def _safe(text: str | None, limit: int = TEXT_LIMIT) -> str | None:
    """Every string a front end will show, cleaned here once: scrubbed first (the whole text,
    so no cut splits a key), then one line without terminal controls, capped."""
    return clean_text(scrub(text), limit) if text else text


def _scrubbed(quota: Quota) -> Quota:
    """Text that came from a server may echo a credential back or carry terminal controls."""
    return replace(
        quota,
        plan=_safe(quota.plan) or None,
        account=_safe(quota.account) or None,
        # Unique ids and the binding window first hold for every provider (§0), whatever a
        # parser let through: providers that know better identities merge their own first.
        windows=binding_first(
            unique_windows(
                replace(w, id=_safe(w.id), label=_safe(w.label), unit=_safe(w.unit))
                for w in quota.windows
            )
        ),
        balances=tuple(
            replace(b, id=_safe(b.id), label=_safe(b.label), unit=_safe(b.unit))
            for b in quota.balances
        ),
        details=tuple((_safe(k), _safe(v, LONG_TEXT_LIMIT)) for k, v in quota.details),
    )


async def fetch_snapshot(
    provider: Provider,
    account: Account,
    http: HttpSession,
    clock: Callable[[], datetime] = _now,
) -> AccountSnapshot:
    """Never raises: whatever happens becomes the snapshot's status and message."""
    problem: Problem | None = provider.precheck(account, clock())
    if problem is not None:
        return snapshot_of(account, problem.status, problem.message)
    try:
        quota = await provider.fetch(account, http, clock())
    except FetchError as error:
        return snapshot_of(
            account, error.status, error.message, fetched_at=clock(), retry_after=error.retry_after
        )
    except ParseError as error:
        return snapshot_of(
            account, Status.BAD_RESPONSE, f"Unexpected answer: {error}", fetched_at=clock()
        )
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a parser bug must cost one account, not the program
        return snapshot_of(
            account,
            Status.ERROR,
            f"Internal error while reading the answer ({type(error).__name__}); please report it",
            fetched_at=clock(),
        )
    return snapshot_of(account, Status.OK, quota=quota, fetched_at=quota.as_of or clock())


async def fetch_guarded(
    provider: Provider,
    account: Account,
    http: HttpSession,
    clock: Callable[[], datetime] = _now,
) -> AccountSnapshot:
    """fetch_snapshot for loops that run for days (the app, serve): should it ever raise
    after all (a precheck's bug), the account gets an error status and the loop goes on."""
    try:
        return await fetch_snapshot(provider, account, http, clock)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        return snapshot_of(account, Status.ERROR, f"Internal error ({type(error).__name__})")


async def fetch_all(
    pairs: Iterable[tuple[Provider, Account]],
    http: HttpSession,
    clock: Callable[[], datetime] = _now,
) -> list[AccountSnapshot]:
    """Every account together, the session letting max_in_flight requests out at a time: the
    total time is the rounds of the slowest request, not the sum."""
    jobs = [fetch_snapshot(provider, account, http, clock) for provider, account in pairs]
    return merge_same_identity(await asyncio.gather(*jobs))


def later_duplicates(marks: Sequence[tuple[str, str] | None]) -> list[bool]:
    """For (provider, identity) marks in discovery order, which repeat an earlier one.

    Sources whose answers name the same identity are one account and the first one wins;
    None (no identity known) never repeats anything. --once and the app both go by this.
    """
    seen: set[tuple[str, str]] = set()
    repeats = []
    for mark in marks:
        repeats.append(mark is not None and mark in seen)
        if mark is not None:
            seen.add(mark)
    return repeats


def merge_same_identity(snapshots: Sequence[AccountSnapshot]) -> list[AccountSnapshot]:
    """The snapshots (in discovery order) without those of a source another one already
    stands for; only a good answer's identity counts."""
    marks = [(s.provider, s.identity) if s.ok and s.identity else None for s in snapshots]
    repeats = later_duplicates(marks)
    return [snapshot for snapshot, repeat in zip(snapshots, repeats, strict=True) if not repeat]


def ordered(
    snapshots: Sequence[AccountSnapshot], providers: Sequence[Provider]
) -> list[AccountSnapshot]:
    """Provider order first, then each provider's own order."""
    rank = {provider.id: index for index, provider in enumerate(providers)}
    by_id = {provider.id: provider for provider in providers}
    return sorted(
        snapshots,
        key=lambda snap: (rank.get(snap.provider, len(rank)), by_id[snap.provider].sort_key(snap)),
    )
