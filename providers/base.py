"""The provider interface and the accounts it discovers.

A provider is a subclass of Provider with three steps of its own:
  discover(context) -> accounts        files and env only, no network
  fetch(account, http, now) -> Quota   the request(s), then a pure parse of the answer
  sort_key(snapshot)                   the order of its accounts
and declarations where it differs from the defaults (settings, poll floor, rate-limit wait,
window groups, account switching, a [[section]] of instances, its demo). Everything around that
(timeouts, statuses, concurrency, secrets) lives in kit/http.py and collect.py, shared by all;
the core reads only these declarations and never asks a provider's id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from providers.kit.http import HttpSession
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.kit.text import LONG_TEXT_LIMIT, clean_text
from providers.model import AccountSnapshot, Quota, Status, Window


@dataclass(frozen=True)
class Problem:
    """Something found before any request that decides the account's status."""

    status: Status
    message: str


@dataclass(frozen=True)
class Account:
    """One set of credentials for one provider. The secret never prints itself."""

    provider: str
    label: str
    source: str
    secret: Secret | None = field(default=None, repr=False)
    active: bool = False
    # A stable identity for deduplication (an account id, a login), never a secret.
    identity: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    problem: Problem | None = None
    path: Path | None = None
    # False when the label only says where the credential came from ("env", "opencode"):
    # the first such account of a provider is called "default" (PROVIDERS.md §0).
    named: bool = True

    def __post_init__(self) -> None:
        # The label is often a file stem and the source a path: names anyone can give a file.
        # The store and the app show them straight from the account, so they are cleaned here.
        object.__setattr__(self, "label", clean_text(self.label))
        object.__setattr__(self, "source", clean_text(self.source, LONG_TEXT_LIMIT))

    @property
    def key(self) -> str:
        """Stable across refreshes: how the app and the store recognise this account."""
        return f"{self.provider}/{self.identity or self.source}/{self.label}"


DEFAULT_LABEL = "default"


def name_the_unnamed(accounts: Sequence[Account]) -> list[Account]:
    """One provider's accounts, the first one without a name of its own called `default`
    (PROVIDERS.md §0: file stem, e-mail, login or configured name, else `default`). Later
    ones keep the name of where they came from, so two rows never read the same."""
    result = list(accounts)
    if any(account.label == DEFAULT_LABEL for account in result):
        return result
    for index, account in enumerate(result):
        if not account.named:
            result[index] = replace(account, label=DEFAULT_LABEL)
            break
    return result


@dataclass(frozen=True)
class DiscoveryContext:
    paths: Paths
    settings: Mapping[str, Any] = field(default_factory=dict)
    account_dirs: Sequence[Path] = ()


SettingType = type | tuple[type, ...]


@dataclass(frozen=True)
class InstanceTables:
    """A list-of-tables section of config.toml (`[[<section>]]`), one table per instance of a
    self-hosted service. The config loader checks every table against this declaration and
    hands the tables to the provider as settings["instances"]."""

    section: str
    settings: Mapping[str, SettingType]
    # What one instance is called in messages ("the same name as another gateway").
    noun: str = "instance"
    # Number settings that must be above 0.
    positive: tuple[str, ...] = ()


class SwitchRefused(Exception):
    """A switch of accounts was not made; the message says why and what to do."""


class Switcher(Protocol):
    """Makes one of a provider's saved accounts its CLI's login (Provider.switcher())."""

    tool: str  # whose login is switched, as messages name it ("Codex CLI")
    title: str  # the confirmation's title

    def context(
        self, paths: Paths, settings: Mapping[str, Any], account_dirs: Sequence[Path]
    ) -> DiscoveryContext: ...

    def folders(self, context: DiscoveryContext) -> list[Path]: ...

    def name_problem(self, name: str) -> str | None: ...

    def find(self, name: str, context: DiscoveryContext) -> Path | None: ...

    def names(self, context: DiscoveryContext) -> list[str]: ...

    def refusal(self, account: Account) -> str | None: ...

    def question(self, account: Account, *, demo: bool) -> str: ...

    def activate(self, chosen: Path, context: DiscoveryContext, now: datetime | None = None) -> str:
        """Switch and say what was done; raises SwitchRefused or OSError."""
        ...

    def recover(self, context: DiscoveryContext) -> tuple[Path, ...]: ...


class Provider:
    """Everything the core asks of a provider. The defaults say "nothing special", so a provider
    declares only what differs; the core never asks a provider's id to decide anything."""

    id: str = ""
    name: str = ""
    # A few letters for the status line ("cdx 85·62"); the id's first three when unset.
    short: str = ""
    # The keys it accepts in [providers.<id>], beyond base_url.
    settings: ClassVar[Mapping[str, SettingType]] = {}
    # A [[section]] of its instances, for self-hosted services.
    instance_tables: ClassVar[InstanceTables | None] = None
    # Never ask it more often than this many seconds (services that punish frequent polling).
    poll_floor: ClassVar[float] = 0.0
    # Seconds to wait after a 429 that named no Retry-After (None: the usual backoff).
    rate_limit_wait: ClassVar[float | None] = None
    # Whether --account-dir and the config's account_dirs are its folders of saved accounts.
    accepts_account_dirs: ClassVar[bool] = False
    # The environment variables it reads, beyond the folders every provider shares
    # (providers.kit.paths.PATH_VARIABLES): the tests keep every one of them away from the
    # developer's real values, and a contract test holds discovery to this list.
    env_names: ClassVar[tuple[str, ...]] = ()
    # Its --demo data: the modules (by name, imported by providers/demo.py) with accounts() and
    # answer(); empty: not in the demo. Several providers may share one module.
    demo: ClassVar[tuple[str, ...]] = ()

    def discover(self, context: DiscoveryContext) -> list[Account]:
        raise NotImplementedError

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return None

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        raise NotImplementedError

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account.casefold(),)

    def group_windows(self, windows: Sequence[Window]) -> list[tuple[str, Window]] | None:
        """Its windows folded into families (per-model providers); None: it does not group."""
        return None

    def switcher(self) -> Switcher | None:
        """What makes one of its saved accounts the CLI's login; None when it cannot switch."""
        return None


class ParseError(Exception):
    """The answer arrived but is not the shape we understand."""
