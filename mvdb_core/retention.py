"""Which snapshots a retention policy keeps: exactly what `restic forget` would keep, and why.

Admins know restic's `--keep-*` options, so a policy here means what it means there: the same
policy and the same snapshot times give the same kept set and the same reason strings
("daily snapshot", "within 7d", "has tags [a]", "oldest monthly snapshot", ...). The rules follow
restic 0.18 and later (unchanged up to 0.19): counts of -1 mean "unlimited", and when a count
policy still has room at the oldest snapshot, that oldest snapshot is kept too ("oldest ...").

All calendar buckets (hour, day, ISO week, month, year) are taken in UTC, whatever offset a time
was written with, so that a policy means the same on every machine; restic agrees when its
snapshot times are UTC and it runs with TZ=UTC (it buckets a time in the offset it was recorded
with). The module is pure: it reads no files and no store; only `apply_policy` reads the clock,
as restic does, to leave snapshots dated in the future out of "the newest snapshot" (pass `now`
to fix it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Generic, Protocol, TypeVar

from .errors import MvdbError, UsageError

UNLIMITED = -1  # restic's `--keep-daily unlimited`
DURATION_FORM = "a number of years, months, days and hours such as 7d, 36h or 1y2m3d4h (units y, m, d, h)"
# Larger values only make restic's time arithmetic overflow; nobody keeps a million years.
_DURATION_MAX = 1_000_000
_HOUR_NS = 3600 * 10**9
_DAY_NS = 24 * _HOUR_NS
_BUCKETS = ("last", "hourly", "daily", "weekly", "monthly", "yearly")
_WITHIN_BUCKETS = ("hourly", "daily", "weekly", "monthly", "yearly")
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)


class SnapshotLike(Protocol):
    """What a policy looks at: an id (for ties), an ISO 8601 time and the tags."""

    @property
    def id(self) -> str: ...

    @property
    def time(self) -> str: ...

    @property
    def tags(self) -> Sequence[str]: ...


T = TypeVar("T", bound=SnapshotLike)


@dataclass(frozen=True)
class Duration:
    """restic's duration: calendar years, months and days plus hours, each applied on its own."""

    years: int = 0
    months: int = 0
    days: int = 0
    hours: int = 0

    def zero(self) -> bool:
        """A zero duration is no policy at all, as in restic."""
        return not (self.years or self.months or self.days or self.hours)

    def __str__(self) -> str:
        # restic's own spelling (zero parts left out), which its reasons repeat: "within 1y7d".
        return "".join(f"{n}{unit}" for n, unit in zip(
            (self.years, self.months, self.days, self.hours), "ymdh") if n)


def parse_duration(text: str) -> Duration:
    """Read restic's duration syntax ("7d", "1y2m3d4h"), refusing what restic forget refuses.

    As in restic a unit given twice keeps its last value and "0d" is the zero duration (no
    policy); unlike restic's parser, an empty text is refused rather than read as zero.
    """
    rest = text.strip()
    if not rest:
        raise UsageError(f"empty duration; use {DURATION_FORM}")
    values = {"y": 0, "m": 0, "d": 0, "h": 0}
    while rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        if rest.startswith("-"):
            raise UsageError(f"negative duration {text.strip()!r}; use {DURATION_FORM}")
        if digits == 0:
            raise UsageError(f"invalid duration {text.strip()!r}: no number before {rest[0]!r}; use {DURATION_FORM}")
        number, rest = int(rest[:digits]), rest[digits:]
        if not rest:
            raise UsageError(f"invalid duration {text.strip()!r}: no unit after {number}; use {DURATION_FORM}")
        if rest[0] not in values:
            raise UsageError(f"invalid duration {text.strip()!r}: unknown unit {rest[0]!r}; use {DURATION_FORM}")
        if number > _DURATION_MAX:
            raise UsageError(f"duration {text.strip()!r} is too long: at most {_DURATION_MAX} of each unit")
        values[rest[0]] = number
        rest = rest[1:]
    return Duration(years=values["y"], months=values["m"], days=values["d"], hours=values["h"])


def parse_count(text: str) -> int:
    """Read a `--keep-*` count as restic does: a number from 0 up, or "unlimited" (-1)."""
    value = text.strip()
    if value == "unlimited":
        return UNLIMITED
    if not value.isascii() or not value.isdigit():
        raise UsageError(f"invalid count {value!r}: use a number from 0 up, or 'unlimited'")
    return int(value)


def parse_tags(text: str) -> tuple[str, ...]:
    """Read one `--keep-tag` value: comma-separated tags that a snapshot must all have.

    restic reads "" as the list of one empty tag, which matches the snapshots without tags.
    """
    return tuple(tag.strip() for tag in text.split(","))


def _check_duration(name: str, value: Duration | None) -> None:
    if value is None:
        return
    if not isinstance(value, Duration):
        raise UsageError(f"{name}: {value!r} is not a Duration; read it with parse_duration")
    parts = (value.years, value.months, value.days, value.hours)
    if any(not isinstance(n, int) or n < 0 for n in parts):
        raise UsageError(f"{name}: durations cannot be negative; use {DURATION_FORM}")
    if any(n > _DURATION_MAX for n in parts):
        raise UsageError(f"{name}: duration is too long: at most {_DURATION_MAX} of each unit")


@dataclass(frozen=True)
class Policy:
    """A `restic forget` policy: counts per bucket (-1 = unlimited), durations, tag lists."""

    last: int = 0
    hourly: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    yearly: int = 0
    within: Duration | None = None
    within_hourly: Duration | None = None
    within_daily: Duration | None = None
    within_weekly: Duration | None = None
    within_monthly: Duration | None = None
    within_yearly: Duration | None = None
    tags: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        # restic refuses negative counts other than -1 and negative durations; so do we, up front.
        for name in _BUCKETS:
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int) or count < UNLIMITED:
                raise UsageError(f"keep {name}: {count!r} is not a count; use a number from 0 up, or 'unlimited'")
        for name in ("within", *(f"within_{b}" for b in _WITHIN_BUCKETS)):
            _check_duration(name.replace("_", " "), getattr(self, name))
        if isinstance(self.tags, str) or any(isinstance(tags, str) for tags in self.tags):
            raise UsageError("keep tags: give tag lists, e.g. (('a', 'b'), ('c',)), not a string")
        object.__setattr__(self, "tags", tuple(tuple(tags) for tags in self.tags))

    def _duration(self, name: str) -> Duration | None:
        value = getattr(self, name)
        return None if value is None or value.zero() else value

    def empty(self) -> bool:
        """True when nothing is asked for: restic refuses such a policy instead of removing everything."""
        return (
            not self.tags
            and all(getattr(self, name) == 0 for name in _BUCKETS)
            and all(self._duration(name) is None for name in ("within", *(f"within_{b}" for b in _WITHIN_BUCKETS)))
        )

    def describe(self) -> str:
        """One short line for the dashboard, e.g. "last 7, daily 14, monthly 12, within 30d"."""
        parts = []
        for name in _BUCKETS:
            count = getattr(self, name)
            if count == UNLIMITED:
                parts.append(f"{name} unlimited")
            elif count:
                parts.append(f"{name} {count}")
        if (within := self._duration("within")) is not None:
            parts.append(f"within {within}")
        for bucket in _WITHIN_BUCKETS:
            if (within := self._duration(f"within_{bucket}")) is not None:
                parts.append(f"{bucket} within {within}")
        if self.tags:
            parts.append("tags " + " or ".join(_tag_list(tags) for tags in self.tags))
        return ", ".join(parts) if parts else "no policy"

    def restic_args(self) -> list[str]:
        """The `restic forget` options for the same policy, to show or to check against restic."""
        args = []
        for name in _BUCKETS:
            count = getattr(self, name)
            if count:
                args += [f"--keep-{name}", "unlimited" if count == UNLIMITED else str(count)]
        if (within := self._duration("within")) is not None:
            args += ["--keep-within", str(within)]
        for bucket in _WITHIN_BUCKETS:
            if (within := self._duration(f"within_{bucket}")) is not None:
                args += [f"--keep-within-{bucket}", str(within)]
        for tags in self.tags:
            args += ["--keep-tag", ",".join(tags)]
        return args


@dataclass
class Kept(Generic[T]):
    """A kept snapshot and every rule that keeps it, in restic's order and wording."""

    snapshot: T
    reasons: list[str]


@dataclass
class Decision(Generic[T]):
    """The outcome of a policy: both lists newest first, as restic prints them."""

    keep: list[Kept[T]] = field(default_factory=list)
    remove: list[T] = field(default_factory=list)

    @property
    def removes_everything(self) -> bool:
        """Every snapshot would go (a tag policy no snapshot matches): restic 0.17+ refuses that."""
        return not self.keep and bool(self.remove)

    def as_dict(self) -> dict[str, Any]:
        """The JSON the CLI prints and the dashboard shows: ids, times and reasons, nothing else."""
        return {
            "keep": [{"id": k.snapshot.id, "time": k.snapshot.time, "reasons": list(k.reasons)} for k in self.keep],
            "remove": [{"id": s.id, "time": s.time} for s in self.remove],
        }


@dataclass(frozen=True)
class _When:
    """A snapshot time in UTC: nanoseconds since 1970 for comparisons, calendar fields for buckets."""

    ns: int
    year: int
    month: int
    day: int
    hour: int
    week: tuple[int, int]  # ISO year and week: weeks run Monday to Sunday

    @classmethod
    def from_datetime(cls, moment: datetime, nanos: int = 0) -> _When:
        utc = moment.astimezone(timezone.utc).replace(microsecond=0)
        days = utc.toordinal() - _EPOCH_ORDINAL
        ns = ((days * 24 + utc.hour) * 60 + utc.minute) * 60 * 10**9 + utc.second * 10**9 + nanos
        iso = utc.isocalendar()
        return cls(ns, utc.year, utc.month, utc.day, utc.hour, (iso[0], iso[1]))


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _parse_time(snapshot: SnapshotLike) -> _When:
    text = snapshot.time
    match = _TIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise MvdbError(
            f"snapshot {str(snapshot.id)[:8]}: time {text!r} is not an ISO 8601 time with Z or an offset "
            f"(e.g. 2026-12-03T21:24:00.123Z)"
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, _, sign, off_h, off_m = match.groups()[6:]
    offset = timedelta(0)
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
        return _When.from_datetime(moment, int((fraction or "").ljust(9, "0")))
    except (ValueError, OverflowError) as e:
        raise MvdbError(f"snapshot {str(snapshot.id)[:8]}: time {text!r} is not a valid time ({e})") from None


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, for any year (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _threshold(latest: _When, within: Duration) -> int:
    """restic's `latest.AddDate(-y, -m, -d).Add(-h hours)`, Go's normalisation included.

    Go first moves the year and month, then counts the day from the first of that month, so
    March 31 minus one month is "February 31", that is March 3 (March 2 in a leap year).
    """
    month0 = latest.month - 1 - within.months
    year = latest.year - within.years + month0 // 12
    days = _days_from_civil(year, month0 % 12 + 1, 1) + latest.day - 1 - within.days
    time_of_day = latest.ns - _days_from_civil(latest.year, latest.month, latest.day) * _DAY_NS
    return days * _DAY_NS + time_of_day - within.hours * _HOUR_NS


def _bucket(kind: str, when: _When, nr: int) -> object:
    if kind == "last":
        return nr
    if kind == "hourly":
        return (when.year, when.month, when.day, when.hour)
    if kind == "daily":
        return (when.year, when.month, when.day)
    if kind == "weekly":
        return when.week
    if kind == "monthly":
        return (when.year, when.month)
    return when.year


def _tag_list(tags: Sequence[str]) -> str:
    return "[" + ", ".join(tags) + "]"  # restic's TagList.String()


def _has_tags(snapshot_tags: Sequence[str], wanted: Sequence[str]) -> bool:
    # restic's Snapshot.HasTags, quirk included: an empty tag matches an untagged snapshot at once.
    for tag in wanted:
        if tag == "" and not snapshot_tags:
            return True
        if tag not in snapshot_tags:
            return False
    return True


def _now_ns(now: datetime | None) -> int:
    moment = datetime.now(timezone.utc) if now is None else now
    if moment.tzinfo is None:
        raise MvdbError("now must carry a time zone (e.g. datetime.now(timezone.utc))")
    return _When.from_datetime(moment, moment.microsecond * 1000).ns


def apply_policy(snapshots: Sequence[T], policy: Policy, now: datetime | None = None) -> Decision[T]:
    """Split snapshots into kept (with reasons) and removed, as `restic forget` (0.18+) would.

    Snapshots are taken newest first; equal times are ordered by id, the larger id counting as
    the newer (the reverse of the repository's listing order). Durations count back from the
    newest snapshot that is not in the future of `now`. An empty policy is refused (UsageError),
    as restic refuses it, rather than read as "remove everything"; a time that is not ISO 8601
    with Z or an offset raises MvdbError naming the snapshot.
    """
    if policy.empty():
        raise UsageError("no policy: give at least one keep rule (last, hourly, daily, weekly, monthly, yearly, "
                         "within or tags), or nothing would be kept")
    if not snapshots:
        return Decision()
    timed = sorted(((_parse_time(s), s) for s in snapshots), key=lambda p: (p[0].ns, str(p[1].id)), reverse=True)
    now_ns = _now_ns(now)
    # restic starts from the zero time (0001-01-01) and only moves to snapshots before now.
    latest = _When(_days_from_civil(1, 1, 1) * _DAY_NS, 1, 1, 1, 0, (1, 1))
    for when, _ in timed:
        if latest.ns < when.ns < now_ns:
            latest = when

    counts = {name: getattr(policy, name) for name in _BUCKETS}
    seen: dict[str, object] = {}
    withins = [(b, d) for b in _WITHIN_BUCKETS if (d := policy._duration(f"within_{b}")) is not None]
    limits = {b: _threshold(latest, d) for b, d in withins}
    within = policy._duration("within")
    within_limit = _threshold(latest, within) if within is not None else None
    oldest = len(timed) - 1

    decision: Decision[T] = Decision()
    for nr, (when, snapshot) in enumerate(timed):
        reasons = []
        tags = snapshot.tags or ()
        for wanted in policy.tags:
            if _has_tags(tags, wanted):
                reasons.append(f"has tags {_tag_list(wanted)}")
        if within_limit is not None and when.ns > within_limit:
            reasons.append(f"within {within}")
        for name in _BUCKETS:
            if counts[name] > 0 or counts[name] == UNLIMITED:
                value = _bucket(name, when, nr)
                # A new bucket keeps its newest snapshot; the oldest snapshot is kept while counts are left.
                if value != seen.get(name) or nr == oldest:
                    prefix = "oldest " if value == seen.get(name) else ""
                    reasons.append(f"{prefix}{name} snapshot")
                    seen[name] = value
                    if counts[name] > 0:
                        counts[name] -= 1
        for name, duration in withins:
            if when.ns > limits[name]:
                value = _bucket(name, when, nr)
                key = f"within {name}"
                if value != seen.get(key) or nr == oldest:
                    prefix = "oldest " if value == seen.get(key) else ""
                    reasons.append(f"{prefix}{name} within {duration}")
                    seen[key] = value
        if reasons:
            decision.keep.append(Kept(snapshot, reasons))
        else:
            decision.remove.append(snapshot)
    return decision
