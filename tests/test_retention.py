"""Retention policies keep what `restic forget` keeps, with restic's reasons.

The first half checks against the real restic binary: one throwaway restic repository holds a rich
series of snapshots (years, month ends, ISO week edges, an hourly burst, gaps, duplicates in one
bucket, tags, one snapshot in the future), and every policy runs through `restic forget --dry-run
--json` and through `apply_policy`. Older restic versions differ from the current rules in known
ways (the kept oldest snapshot, its "oldest" label, "unlimited"), which `_as_restic` spells out.
The second half checks the current rules on long series whose expected results are worked out
by hand in the comments.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mvdb_core.errors import MvdbError, UsageError
from mvdb_core.retention import (
    DURATION_FORM,
    UNLIMITED,
    Decision,
    Duration,
    Kept,
    Policy,
    apply_policy,
    parse_count,
    parse_duration,
    parse_tags,
)

RESTIC = shutil.which("restic")
needs_restic = pytest.mark.skipif(  # under CI they must run: .ci/run installs restic
    RESTIC is None and os.environ.get("CI") != "true",
    reason="restic is not installed (apt-get install restic): the comparison with restic forget needs it",
)
D = parse_duration


@dataclass
class Snap:
    id: str
    time: str
    tags: list[str] = field(default_factory=list)


# --- against the real restic ---------------------------------------------------------------------

# (time in UTC, tags). Distinct times only: restic orders snapshots with equal times as it loads them.
SERIES = [
    ("2019-03-10 08:00:00", ["keep"]),  # the oldest, in the same day (and month, year) as the next one
    ("2019-03-10 21:00:00", []),
    ("2020-06-15 12:00:00", []),
    ("2020-12-31 23:59:59", []),
    ("2021-01-01 00:00:00", []),  # ISO week 2020-W53
    ("2021-01-03 18:00:00", []),  # a Sunday, still 2020-W53
    ("2021-01-04 09:00:00", []),  # Monday of 2021-W01
    ("2022-01-31 22:00:00", ["manual"]),
    ("2022-02-28 23:00:00", []),
    ("2022-03-01 00:30:00", []),
    ("2023-07-04 07:00:00", ["weekly", "manual"]),
    ("2024-02-29 10:00:00", []),
    ("2024-03-02 17:59:59", []),  # 1y1m before the newest is "2024-02-31 18:00", that is 2024-03-02 18:00
    ("2024-03-02 18:00:01", []),
    ("2024-03-31 18:00:00", []),  # exactly 1y before the newest: not within 1y
    ("2024-03-31 18:00:01", []),
    ("2024-12-22 20:00:00", []),  # a Sunday
    ("2024-12-23 08:00:00", []),
    ("2024-12-23 19:00:00", []),
    ("2024-12-30 08:00:00", []),  # ISO week 2025-W01 but year 2024
    ("2024-12-31 23:00:00", ["manual"]),
    ("2025-01-01 01:00:00", []),
    ("2025-03-01 12:00:00", []),  # within 1m if "1 month before March 31" were clamped to February 28
    ("2025-03-03 18:00:00", []),  # exactly 1m before the newest in Go's arithmetic: not within
    ("2025-03-03 18:00:01", []),
    ("2025-03-15 10:00:00", ["weekly"]),
    ("2025-03-28 10:00:00", []),
    ("2025-03-29 23:30:00", []),
    ("2025-03-30 00:10:00", []),  # an hourly burst, two in hour 0 and two in hour 2
    ("2025-03-30 00:50:00", []),
    ("2025-03-30 01:05:00", []),
    ("2025-03-30 02:15:00", []),
    ("2025-03-30 02:45:00", ["keep"]),
    ("2025-03-30 05:59:59", []),
    ("2025-03-30 06:00:00", []),  # exactly 36h before the newest: not within 36h
    ("2025-03-30 06:00:01", []),
    ("2025-03-30 23:59:59", []),
    ("2025-03-31 00:00:00", []),
    ("2025-03-31 17:00:00", ["daily"]),
    ("2025-03-31 18:00:00", ["daily", "manual"]),  # the newest snapshot that is not in the future
    ("2099-01-01 00:00:00", []),  # in the future: kept by durations, never "the newest"
]

POLICIES = [
    Policy(last=5),
    Policy(hourly=6),
    Policy(daily=5),
    Policy(weekly=6),
    Policy(monthly=6),
    Policy(yearly=3),
    Policy(daily=7, weekly=4, monthly=12, yearly=5),
    Policy(monthly=100),  # room left at the oldest snapshot: "oldest monthly snapshot"
    Policy(last=3, hourly=100, yearly=100),
    Policy(within=D("1m")),
    Policy(within=D("1y")),
    Policy(within=D("1y1m")),
    Policy(within=D("36h")),
    Policy(within=D("2d12h")),
    Policy(within_hourly=D("2d")),
    Policy(within_daily=D("1m")),
    Policy(within_weekly=D("3m")),
    Policy(within_monthly=D("1y")),
    Policy(within_yearly=D("10y")),  # reaches the oldest snapshot: "oldest yearly within 10y"
    Policy(tags=(("keep",),)),
    Policy(tags=(("weekly", "manual"), ("daily",))),
    Policy(tags=(("",),)),  # the untagged snapshots
    Policy(last=2, hourly=3, daily=2, within=D("2d"), within_weekly=D("1m"), tags=(("manual",),)),
]
UNLIMITED_POLICIES = [  # "unlimited" came in restic 0.16; an older restic is asked for a count no series uses up
    Policy(daily=UNLIMITED),
    Policy(last=2, weekly=UNLIMITED, yearly=2),
]


def _restic_env(repo: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESTIC_")}
    return {**env, "RESTIC_REPOSITORY": repo, "RESTIC_PASSWORD": "retention-test", "TZ": "UTC"}


def _restic(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [RESTIC or "restic", "--no-cache", *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"restic {' '.join(args)}: {done.stderr.strip()}"
    return done.stdout


def _cheap_key(env: dict[str, str], repo: Path) -> None:
    """Swap the repository's key file for one with a cheap scrypt, so that each restic command starts fast.

    restic derives its key with the scrypt strength it calibrated at `init` (about a third of a
    second per command here, sixty commands in this module). The new key file wraps the same
    master key the way restic's design document describes (AES-256-CTR, Poly1305-AES, JSON key
    file); without the `cryptography` package, or if restic does not take the new key, the
    original key stays and the module is only slower.
    """
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.poly1305 import Poly1305
    except ImportError:
        return
    master = _restic(env, "cat", "masterkey").encode()
    salt, iv = os.urandom(64), os.urandom(16)
    derived = hashlib.scrypt(env["RESTIC_PASSWORD"].encode(), salt=salt, n=1024, r=8, p=1, dklen=64)
    encrypted = Cipher(algorithms.AES(derived[:32]), modes.CTR(iv)).encryptor().update(master)
    nonce_key = Cipher(algorithms.AES(derived[32:48]), modes.ECB()).encryptor().update(iv)
    tag = Poly1305.generate_tag(derived[48:64] + nonce_key, encrypted)
    key_file = json.dumps({
        "created": "2025-01-01T00:00:00Z", "username": "test", "hostname": "test", "kdf": "scrypt",
        "N": 1024, "r": 8, "p": 1, "salt": base64.b64encode(salt).decode(),
        "data": base64.b64encode(iv + encrypted + tag).decode(),
    }).encode()
    keys = repo / "keys"
    (original,) = keys.iterdir()
    aside = repo.parent / "original-key"
    original.rename(aside)
    cheap = keys / hashlib.sha256(key_file).hexdigest()
    cheap.write_bytes(key_file)
    check = subprocess.run(
        [RESTIC or "restic", "--no-cache", "--no-lock", "cat", "config"], env=env, capture_output=True, timeout=60
    )
    if check.returncode != 0:
        cheap.unlink()
        aside.rename(original)


@dataclass
class ResticRepo:
    env: dict[str, str]
    version: tuple[int, int, int]
    snapshots: list[Snap]

    def forget(self, policy: Policy) -> Decision[Snap]:
        """What restic forget --dry-run decides, in this module's terms."""
        out = _restic(self.env, "--no-lock", "forget", "--dry-run", "--json", *policy.restic_args())
        (group,) = json.loads(out)
        by_id = {s.id: s for s in self.snapshots}
        keep = group["keep"] or []
        reasons = group["reasons"] or []
        assert len(keep) == len(reasons)
        return Decision(
            keep=[Kept(by_id[k["id"]], list(r["matches"])) for k, r in zip(keep, reasons)],
            remove=[by_id[r["id"]] for r in group["remove"] or []],
        )


@pytest.fixture(scope="module")
def restic_repo(tmp_path_factory) -> ResticRepo:
    if RESTIC is None:
        pytest.fail("restic is not installed; under CI the restic comparison must run")
    root = tmp_path_factory.mktemp("restic")
    (root / "data").mkdir()
    (root / "data" / "file").write_text("tiny\n")
    repo = root / "repo"
    env = _restic_env(str(repo))
    version = re.match(r"restic (\d+)\.(\d+)\.(\d+)", _restic(env, "version"))
    assert version, "cannot read restic's version"
    _restic(env, "init", "--quiet")
    _cheap_key(env, repo)

    # Backups run side by side in copies of the new repository (same keys), then their files move
    # into it: restic 0.14 stalls for many seconds when a lock file it listed vanishes before it
    # reads it, which concurrent backups of one repository keep doing.
    clones = [root / f"clone{i}" for i in range(8)]
    for clone in clones:
        shutil.copytree(repo, clone)

    def backup(clone: Path, items: list[tuple[str, list[str]]]) -> None:
        for when, tags in items:
            tag_args = [arg for tag in tags for arg in ("--tag", tag)]
            _restic(_restic_env(str(clone)), "backup", "--quiet", "--host", "h", "--time", when, *tag_args,
                    str(root / "data"))

    with ThreadPoolExecutor(len(clones)) as pool:
        list(pool.map(backup, clones, [SERIES[i::len(clones)] for i in range(len(clones))]))
    for clone in clones:
        for path in sorted(clone.rglob("*")):
            target = repo / path.relative_to(clone)
            if path.is_file() and path.parts[len(clone.parts)] in ("snapshots", "index", "data"):
                if not target.exists():
                    path.rename(target)
    listed = json.loads(_restic(env, "--no-lock", "snapshots", "--json"))
    snapshots = [Snap(s["id"], s["time"], s.get("tags") or []) for s in listed]
    assert len(snapshots) == len(SERIES)
    return ResticRepo(env, (int(version[1]), int(version[2]), int(version[3])), snapshots)


def _for_restic(policy: Policy, version: tuple[int, int, int]) -> Policy:
    """The policy as this restic can be asked: before 0.16 "unlimited" is a count no series uses up."""
    if version >= (0, 16, 0):
        return policy
    counts = {name: len(SERIES) + 1 for name in ("last", "hourly", "daily", "weekly", "monthly", "yearly")
              if getattr(policy, name) == UNLIMITED}
    return replace(policy, **counts)


@pytest.fixture(scope="module")
def restic_decisions(restic_repo) -> dict[Policy, Decision[Snap]]:
    """Every policy through restic forget, a few at a time (a dry run takes no lock)."""
    policies = POLICIES + UNLIMITED_POLICIES
    asked = [_for_restic(p, restic_repo.version) for p in policies]
    with ThreadPoolExecutor(8) as pool:
        return dict(zip(policies, pool.map(restic_repo.forget, asked)))


def _as_restic(decision: Decision[Snap], version: tuple[int, int, int]) -> Decision[Snap]:
    """Our (restic 0.18+) decision as an older restic makes it.

    restic 0.16 and 0.17 keep the oldest snapshot as well but give it the plain reason ("monthly
    snapshot"); before 0.16 only the newest snapshot of a bucket is kept, so the oldest snapshot
    goes unless another rule keeps it. Nothing else changed in between.
    """
    if version >= (0, 18, 0):
        return decision
    keep, remove = [], list(decision.remove)
    for kept in decision.keep:
        if version >= (0, 16, 0):
            reasons = [r.removeprefix("oldest ") for r in kept.reasons]
        else:
            reasons = [r for r in kept.reasons if not r.startswith("oldest ")]
        if reasons:
            keep.append(Kept(kept.snapshot, reasons))
        else:  # only ever the oldest snapshot, which is last in the newest-first lists
            assert kept is decision.keep[-1]
            remove.append(kept.snapshot)
    return Decision(keep, remove)


def _plain(decision: Decision[Snap]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    return [(k.snapshot.time, k.reasons) for k in decision.keep], [s.time for s in decision.remove]


@needs_restic
@pytest.mark.parametrize("policy", POLICIES + UNLIMITED_POLICIES, ids=lambda p: p.describe())
def test_same_as_restic_forget(restic_repo, restic_decisions, policy):
    ours = apply_policy(restic_repo.snapshots, policy)
    assert _plain(_as_restic(ours, restic_repo.version)) == _plain(restic_decisions[policy])


@needs_restic
def test_restic_series_covers_the_edges(restic_repo):
    """The comparison above means something: the series hits every rule that differs between versions."""
    decisions = {p: apply_policy(restic_repo.snapshots, p) for p in POLICIES + UNLIMITED_POLICIES}
    oldest = [p for p, d in decisions.items() if any(r.startswith("oldest ") for k in d.keep for r in k.reasons)]
    assert Policy(monthly=100) in oldest and Policy(within_yearly=D("10y")) in oldest
    assert Policy(daily=UNLIMITED) in oldest
    kept = {p: {k.snapshot.time for k in d.keep} for p, d in decisions.items()}
    # Go's month arithmetic: one month before 2025-03-31 18:00 is 2025-03-03 18:00 (exclusive).
    assert "2025-03-03T18:00:01Z" in kept[Policy(within=D("1m"))]
    assert not {"2025-03-03T18:00:00Z", "2025-03-01T12:00:00Z"} & kept[Policy(within=D("1m"))]
    assert "2099-01-01T00:00:00Z" in kept[Policy(within=D("36h"))]


# --- parsing and the policy object -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, duration",
    [
        ("7d", Duration(days=7)),
        ("1y2m3d4h", Duration(years=1, months=2, days=3, hours=4)),
        (" 36h ", Duration(hours=36)),
        ("4h3d", Duration(days=3, hours=4)),
        ("2d1d", Duration(days=1)),  # restic: a repeated unit keeps its last value
        ("0d", Duration()),
        ("007m", Duration(months=7)),
    ],
)
def test_parse_duration(text, duration):
    assert parse_duration(text) == duration


@pytest.mark.parametrize("text", ["", "  ", "7", "d", "1w", "7D", "-1d", "1.5d", "1y 2m", "1d-2h", "٣d", "2000000y"])
def test_parse_duration_refuses(text):
    with pytest.raises(UsageError) as e:
        parse_duration(text)
    message = str(e.value)
    assert "\n" not in message
    assert DURATION_FORM in message or "at most" in message


def test_duration_prints_as_restic():
    assert str(parse_duration("1y0m3d")) == "1y3d" and str(Duration(hours=48)) == "48h"
    assert Duration().zero() and not Duration(hours=1).zero()


def test_parse_count_and_tags():
    assert parse_count("unlimited") == UNLIMITED and parse_count(" 12 ") == 12 and parse_count("0") == 0
    for bad in ("-1", "x", "1.5", ""):
        with pytest.raises(UsageError, match="unlimited"):
            parse_count(bad)
    assert parse_tags("a, b,c") == ("a", "b", "c") and parse_tags("") == ("",)


def test_policy_refuses_what_restic_refuses():
    with pytest.raises(UsageError, match="unlimited"):
        Policy(daily=-2)
    with pytest.raises(UsageError):
        Policy(last=True)
    with pytest.raises(UsageError, match="negative"):
        Policy(within=Duration(days=-1))
    with pytest.raises(UsageError, match="tag lists"):
        Policy(tags=("a",))
    with pytest.raises(UsageError, match="Duration"):
        Policy(within="7d")
    assert Policy(tags=[["a", "b"]]).tags == (("a", "b"),)


def test_empty_policy():
    assert Policy().empty() and Policy(within=Duration(), within_daily=D("0h")).empty()
    assert not Policy(daily=UNLIMITED).empty() and not Policy(within_yearly=D("1y")).empty()
    assert not Policy(tags=(("",),)).empty()
    # restic refuses to run it rather than remove every snapshot; so does apply_policy.
    for snaps in ([Snap("a", "2025-01-01T00:00:00Z")], []):
        with pytest.raises(UsageError, match="no policy"):
            apply_policy(snaps, Policy(within=Duration()))
    assert apply_policy([], Policy(last=1)) == Decision()


def test_describe_and_restic_args():
    assert Policy(last=7, daily=14, monthly=12).describe() == "last 7, daily 14, monthly 12"
    policy = Policy(
        hourly=UNLIMITED, within=D("30d"), within_weekly=D("1y"), tags=(("a", "b"), ("",)), yearly=3
    )
    assert policy.describe() == "hourly unlimited, yearly 3, within 30d, weekly within 1y, tags [a, b] or []"
    assert policy.restic_args() == [
        "--keep-hourly", "unlimited", "--keep-yearly", "3", "--keep-within", "30d",
        "--keep-within-weekly", "1y", "--keep-tag", "a,b", "--keep-tag", "",
    ]
    assert Policy().describe() == "no policy" and Policy(within=Duration()).restic_args() == []


# --- the current rules on long series, worked out by hand ---------------------------------------------


def _series(start: datetime, step: timedelta, end: datetime) -> list[Snap]:
    snaps, t = [], start
    while t <= end:
        snaps.append(Snap(f"s{len(snaps):05d}", t.strftime("%Y-%m-%dT%H:%M:%S.000Z")))
        t += step
    return snaps


def _kept(decision: Decision[Snap]) -> dict[str, list[str]]:
    return {k.snapshot.time[:19]: k.reasons for k in decision.keep}


def test_three_years_of_daily_snapshots():
    snaps = _series(datetime(2023, 1, 1, 3), timedelta(days=1), datetime(2025, 12, 31, 3))
    assert len(snaps) == 1096
    decision = apply_policy(snaps, Policy(daily=7, weekly=4, monthly=12, yearly=5))
    kept = _kept(decision)
    # 2025-12-31 is a Wednesday in ISO week 2026-W01; the weeks before end on Sundays 28, 21, 14.
    assert kept["2025-12-31T03:00:00"] == ["daily snapshot", "weekly snapshot", "monthly snapshot", "yearly snapshot"]
    assert kept["2025-12-28T03:00:00"] == ["daily snapshot", "weekly snapshot"]
    for day in (30, 29, 27, 26, 25):
        assert kept[f"2025-12-{day}T03:00:00"] == ["daily snapshot"]
    assert kept["2025-12-21T03:00:00"] == kept["2025-12-14T03:00:00"] == ["weekly snapshot"]
    for month_end in ("11-30", "10-31", "09-30", "08-31", "07-31", "06-30", "05-31", "04-30", "03-31", "02-28",
                      "01-31"):
        assert kept[f"2025-{month_end}T03:00:00"] == ["monthly snapshot"]
    assert kept["2024-12-31T03:00:00"] == kept["2023-12-31T03:00:00"] == ["yearly snapshot"]
    # Three years for a count of five: the oldest snapshot is kept as well (restic 0.16+).
    assert kept["2023-01-01T03:00:00"] == ["oldest yearly snapshot"]
    assert len(kept) == 23 and len(decision.remove) == 1096 - 23
    assert [s.time for s in decision.remove][:2] == ["2025-12-24T03:00:00.000Z", "2025-12-23T03:00:00.000Z"]


def test_oldest_monthly_when_the_months_run_out():
    snaps = _series(datetime(2025, 6, 15, 12), timedelta(days=1), datetime(2025, 12, 31, 12))
    kept = _kept(apply_policy(snaps, Policy(monthly=12)))
    # Seven month ends for twelve months: the first snapshot (June 15) is kept too.
    assert kept == {
        **{f"2025-{m}T12:00:00": ["monthly snapshot"] for m in
           ("12-31", "11-30", "10-31", "09-30", "08-31", "07-31", "06-30")},
        "2025-06-15T12:00:00": ["oldest monthly snapshot"],
    }
    # With the count used up by the month ends, the oldest snapshot goes.
    assert "2025-06-15T12:00:00" not in _kept(apply_policy(snaps, Policy(monthly=7)))


def test_hourly_burst():
    snaps = _series(datetime(2025, 3, 30, 0, 0), timedelta(minutes=10), datetime(2025, 3, 30, 5, 50))
    assert list(_kept(apply_policy(snaps, Policy(hourly=4)))) == [
        "2025-03-30T05:50:00", "2025-03-30T04:50:00", "2025-03-30T03:50:00", "2025-03-30T02:50:00",
    ]
    kept = _kept(apply_policy(snaps, Policy(hourly=10)))  # six hours, four counts left at the oldest
    assert len(kept) == 7 and kept["2025-03-30T00:50:00"] == ["hourly snapshot"]
    assert kept["2025-03-30T00:00:00"] == ["oldest hourly snapshot"]
    # keep-last is never "oldest": every snapshot is its own bucket.
    assert list(_kept(apply_policy(snaps, Policy(last=50))).values())[-1] == ["last snapshot"]


def test_gaps():
    days = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05", "2025-01-20", "2025-01-21",
            "2025-01-22", "2025-02-10"]
    snaps = [Snap(f"g{i}", f"{d}T12:00:00Z") for i, d in enumerate(days)]
    # keep-daily counts days that have a snapshot, reaching back over the gaps.
    assert list(_kept(apply_policy(snaps, Policy(daily=5)))) == [
        "2025-02-10T12:00:00", "2025-01-22T12:00:00", "2025-01-21T12:00:00", "2025-01-20T12:00:00",
        "2025-01-05T12:00:00",
    ]
    assert list(_kept(apply_policy(snaps, Policy(within=D("7d"))))) == ["2025-02-10T12:00:00"]
    # One month before February 10 is January 10: the three January 20-22 snapshots, not the oldest.
    kept = _kept(apply_policy(snaps, Policy(within_daily=D("1m"))))
    assert list(kept) == ["2025-02-10T12:00:00", "2025-01-22T12:00:00", "2025-01-21T12:00:00", "2025-01-20T12:00:00"]
    assert set(map(tuple, kept.values())) == {("daily within 1m",)}


def test_unlimited():
    snaps = [Snap(f"u{i}", f"2025-01-0{1 + i // 2}T{'08' if i % 2 == 0 else '20'}:00:00Z") for i in range(6)]
    kept = _kept(apply_policy(snaps, Policy(daily=UNLIMITED)))
    assert kept == {
        "2025-01-03T20:00:00": ["daily snapshot"],
        "2025-01-02T20:00:00": ["daily snapshot"],
        "2025-01-01T20:00:00": ["daily snapshot"],
        "2025-01-01T08:00:00": ["oldest daily snapshot"],  # unlimited never runs out
    }
    assert len(apply_policy(snaps, Policy(last=UNLIMITED)).keep) == 6


def test_oldest_within_bucket():
    snaps = [Snap("a", "2025-01-01T08:00:00Z"), Snap("b", "2025-01-01T09:00:00Z"), Snap("c", "2025-01-05T09:00:00Z")]
    assert _kept(apply_policy(snaps, Policy(within_daily=D("10y")))) == {
        "2025-01-05T09:00:00": ["daily within 10y"],
        "2025-01-01T09:00:00": ["daily within 10y"],
        "2025-01-01T08:00:00": ["oldest daily within 10y"],
    }
    # The oldest counts only inside the window.
    assert list(_kept(apply_policy(snaps, Policy(within_daily=D("2d"))))) == ["2025-01-05T09:00:00"]


@pytest.mark.parametrize(
    "newest, within, first_kept, last_removed",
    [
        # Go's AddDate: March 31 minus a month is "February 31", March 3 (March 2 in a leap year).
        ("2025-03-31T12:00:00Z", "1m", "2025-03-03T12:00:00.001Z", "2025-03-03T12:00:00Z"),
        ("2024-03-31T00:00:00Z", "1m", "2024-03-02T00:00:01Z", "2024-03-02T00:00:00Z"),
        ("2024-02-29T06:00:00Z", "1y", "2023-03-01T06:00:01Z", "2023-03-01T06:00:00Z"),
        # years, then months, then days, then hours: 2025-05-31 10:00 -> 2024-03-31 -> 03-28 -> 06:00.
        ("2025-05-31T10:00:00Z", "1y2m3d4h", "2024-03-28T06:00:00.000000001Z", "2024-03-28T06:00:00Z"),
        ("2025-01-01T00:30:00Z", "1h", "2024-12-31T23:30:01Z", "2024-12-31T23:30:00Z"),
    ],
)
def test_within_month_arithmetic(newest, within, first_kept, last_removed):
    snaps = [Snap("n", newest), Snap("k", first_kept), Snap("r", last_removed)]
    decision = apply_policy(snaps, Policy(within=D(within)))
    assert [k.snapshot.id for k in decision.keep] == ["n", "k"] and decision.remove == [snaps[2]]
    assert decision.keep[1].reasons == [f"within {within}"]


def test_future_snapshots_and_now():
    snaps = [Snap("a", "2025-01-01T00:00:00Z"), Snap("b", "2025-01-10T00:00:00Z"), Snap("f", "2099-01-01T00:00:00Z")]
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    # Durations count from the newest snapshot before now (b); f is later than that, so it stays.
    assert [k.snapshot.id for k in apply_policy(snaps, Policy(within=D("2d")), now=now).keep] == ["f", "b"]
    assert [k.snapshot.id for k in apply_policy(snaps, Policy(last=1), now=now).keep] == ["f"]
    # All in the future: restic counts from year 1, so everything is within.
    early = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert len(apply_policy(snaps, Policy(within=D("1d")), now=early).keep) == 3
    with pytest.raises(MvdbError, match="time zone"):
        apply_policy(snaps, Policy(last=1), now=datetime(2025, 1, 1))


def test_offsets_are_read_in_utc():
    snaps = [
        Snap("a", "2025-12-31T23:00:00Z"),
        Snap("b", "2026-01-01T06:30:00+07:00"),  # 2025-12-31T23:30Z: December 31 and 2025, in UTC
        Snap("c", "2026-01-02T00:00:00+00:00"),
    ]
    decision = apply_policy(snaps, Policy(daily=3, yearly=3))
    assert [(k.snapshot.id, k.reasons) for k in decision.keep] == [
        ("c", ["daily snapshot", "yearly snapshot"]),
        ("b", ["daily snapshot", "yearly snapshot"]),
        ("a", ["oldest daily snapshot", "oldest yearly snapshot"]),
    ]
    assert [k.snapshot.id for k in apply_policy(snaps, Policy(daily=2)).keep] == ["c", "b"]
    hourly = apply_policy([Snap("x", "2025-06-01T10:59:59-02:30"), Snap("y", "2025-06-01T13:00:00Z")],
                          Policy(hourly=1))
    assert [k.snapshot.id for k in hourly.keep] == ["x"]  # 13:29:59Z is newer than 13:00Z, same hour


def test_ties_are_broken_by_id():
    snaps = [Snap("b", "2025-01-01T00:00:00Z"), Snap("a", "2025-01-01T00:00:00.000Z"),
             Snap("c", "2024-12-31T00:00:00Z")]
    for order in (snaps, snaps[::-1]):
        decision = apply_policy(order, Policy(last=1, daily=5))
        assert decision.as_dict() == {
            "keep": [
                {"id": "b", "time": "2025-01-01T00:00:00Z", "reasons": ["last snapshot", "daily snapshot"]},
                {"id": "c", "time": "2024-12-31T00:00:00Z", "reasons": ["daily snapshot"]},
            ],
            "remove": [{"id": "a", "time": "2025-01-01T00:00:00.000Z"}],
        }
    # Nanoseconds count.
    fine = [Snap("z", "2025-01-01T00:00:00.000000001Z"), Snap("y", "2025-01-01T00:00:00.000000002Z")]
    assert [k.snapshot.id for k in apply_policy(fine, Policy(last=1)).keep] == ["y"]


def test_tags():
    snaps = [Snap("t0", "2025-01-01T00:00:00Z", []), Snap("t1", "2025-01-02T00:00:00Z", ["a"]),
             Snap("t2", "2025-01-03T00:00:00Z", ["a", "b"]), Snap("t3", "2025-01-04T00:00:00Z", ["b"])]
    decision = apply_policy(snaps, Policy(tags=(("a", "b"), ("b",), ("",))))
    assert [(k.snapshot.id, k.reasons) for k in decision.keep] == [
        ("t3", ["has tags [b]"]),
        ("t2", ["has tags [a, b]", "has tags [b]"]),
        ("t0", ["has tags []"]),
    ]
    assert decision.remove == [snaps[1]] and not decision.removes_everything
    none = apply_policy(snaps, Policy(tags=(("missing",),)))
    assert none.removes_everything and len(none.remove) == 4  # restic 0.17+ refuses this


@pytest.mark.parametrize(
    "time", ["2025-01-01T00:00:00", "2025-02-30T00:00:00Z", "2025-01-01", "yesterday", "2025-01-01T00:00:00+25:00"]
)
def test_bad_times(time):
    with pytest.raises(MvdbError, match="snapshot bad"):
        apply_policy([Snap("bad", time)], Policy(last=1))

