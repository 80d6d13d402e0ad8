"""Synthetic MVDB data: realistic KV rows for demos, tests and benchmarks.

Real MVDB data is private, yet the dashboard, the statistics page and the benchmarks need a
table that looks like one: every category (`categories.py`), the record shapes of the app,
Japanese titles and names, release dates over twenty years, favorites pointing at real rows,
and the value quirks (master data stored as a JSON *string* holding JSON). `generate` streams
the rows: memory stays bounded (a few MB of caches) whatever the size. Ids are a pure function
of (seed, kind, index), so records refer to each other without keeping a list of earlier rows.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from typing import Any

import orjson

from .errors import UsageError
from .progress import ProgressFn, Stage, Tracker
from .stores.base import Store, pages_of

DEFAULT_ROWS = 3000

# Share of the scalable rows per category (normalised); per-user and app keys are FIXED below.
_WEIGHTS: dict[str, float] = {
    "movies": 0.42, "sc_movies": 0.03, "photobooks": 0.03, "favorites": 0.12, "movie_links": 0.03,
    "saved_galleries": 0.03, "templates": 0.002, "actress": 0.12, "actor": 0.04, "director": 0.02,
    "studio": 0.012, "series": 0.04, "label": 0.012, "group": 0.004, "tag": 0.006, "type": 0.002,
    "linklabel": 0.002, "generation": 0.006, "lineup": 0.01,
}
_USERS = 3
_SETTINGS: dict[str, dict[str, Any]] = {
    "settings": {"theme": "dark", "language": "en", "itemsPerPage": 24, "sort": "releaseDate"},
    "settings:display": {"showJapaneseTitles": True, "coverSize": "medium", "gridColumns": 6},
    "settings:gallery": {"maxImages": 50, "autoSave": True, "lightbox": "modern"},
}
_FIXED = (1 + _USERS) + (_USERS + len(_SETTINGS)) + 2  # type colors, settings + nav items, app_meta
_KIND = {name: n for n, name in enumerate(_WEIGHTS)} | {"nav": len(_WEIGHTS)}
_M64 = (1 << 64) - 1
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_T0 = 1_690_000_000_000  # ids' timestamps (ms) start mid-2023 and span two years
_SPAN = 2 * 365 * 86_400_000


def _table(text: str) -> tuple[tuple[str, ...], ...]:
    """Parse `Roman/漢字/かな ...` (underscore = space) into tuples: compact tables of names."""
    return tuple(tuple(f.replace("_", " ") for f in item.split("/")) for item in text.split())


_FAMILY = _table("""Sato/佐藤/さとう Suzuki/鈴木/すずき Takahashi/高橋/たかはし Tanaka/田中/たなか
    Ito/伊藤/いとう Watanabe/渡辺/わたなべ Yamamoto/山本/やまもと Nakamura/中村/なかむら
    Kobayashi/小林/こばやし Kato/加藤/かとう Yoshida/吉田/よしだ Yamada/山田/やまだ Sasaki/佐々木/ささき
    Matsumoto/松本/まつもと Inoue/井上/いのうえ Kimura/木村/きむら Hayashi/林/はやし Shimizu/清水/しみず
    Mori/森/もり Ikeda/池田/いけだ Hashimoto/橋本/はしもと Ishikawa/石川/いしかわ Ogawa/小川/おがわ
    Fujita/藤田/ふじた""")
_FEMALE = _table("""Yui/結衣/ゆい Mio/美緒/みお Aoi/葵/あおい Rin/凛/りん Sakura/さくら/さくら
    Hina/陽菜/ひな Mei/芽衣/めい Yuna/優奈/ゆな Saki/咲/さき Nana/奈々/なな Airi/愛莉/あいり
    Kana/佳奈/かな Riko/莉子/りこ Miyu/美羽/みゆ Ayaka/彩花/あやか Haruka/遥/はるか Momo/桃/もも
    Nozomi/希/のぞみ Kaede/楓/かえで Yuka/由佳/ゆか""")
_MALE = _table("""Hiroshi/浩/ひろし Takeshi/武/たけし Kenji/健二/けんじ Daisuke/大輔/だいすけ
    Shota/翔太/しょうた Ren/蓮/れん Kazuya/和也/かずや Makoto/誠/まこと Ryo/亮/りょう Jun/純/じゅん
    Yuto/悠斗/ゆうと Satoshi/聡/さとし Koji/浩二/こうじ Tetsuya/哲也/てつや""")
_PLACES = _table("""Tokyo/東京 Kyoto/京都 Osaka/大阪 Hokkaido/北海道 Okinawa/沖縄 Seaside/海辺
    Mountain/山 Hot_Spring/温泉 Campus/学園 Office/オフィス Night_City/夜の街 Countryside/田舎""")
_PHRASES = _table("""Summer_Memories/夏の思い出 First_Love/初恋 Secret_Diary/秘密の日記
    Long_Weekend/長い週末 Starry_Night/星降る夜 Spring_Breeze/春風 Last_Train/終電 Rainy_Season/梅雨
    New_Beginning/新しい始まり Sweet_Holiday/甘い休日 Winter_Story/冬物語 Midnight_Cafe/深夜カフェ
    Little_Adventure/小さな冒険 Golden_Week/ゴールデンウィーク Blue_Sky/青空""")
_WORDS = "Sakura Hoshi Tsuki Sora Umi Kaze Yume Hikari Midori Aka Kumo Nami".split()
_NOUNS = "Pictures Films Studio Works Visual Entertainment Premium Channel Label".split()
_STUDIOS = tuple(f"{w} {n}" for n in _NOUNS for w in _WORDS)
_CODES = tuple("ABP SSIS IPX MIDV STARS FSDSS PRED JUQ CAWD MIAA DASS SONE ADN HMN MEYD PPPE EBOD WAAA"
               " ROYD KIRE SDAB NHDTB MIDE JUFE".split())
_TAGS = tuple(t.replace("_", " ") for t in "Drama Romance Comedy Idol Documentary Travel Music School Office"
              " Cosplay Outdoor Story Compilation Debut 4K Best_Of Interview Retro".split())
_TYPES = ("Censored", "Uncensored", "Amateur", "Indie", "VR", "Compilation")
_LINK_LABELS = ("Official", "Streaming", "Trailer", "Wiki", "Fan Site", "Store", "Blog", "Social")
_COLORS = ("#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b")
_FILTERS = ("tag", "studio", "series", "actress", "type")
_LISTS = {"studio": _STUDIOS, "label": _STUDIOS[::-1], "tag": _TAGS, "type": _TYPES,
          "linklabel": _LINK_LABELS, "group": tuple(f"{w} Club" for w in _WORDS)}
_MASTER_KINDS = ("actress", "actor", "director", "studio", "series", "label", "group", "tag", "type",
                 "linklabel", "generation", "lineup")
_DIRECTOR_OFFSET = len(_FAMILY) * len(_MALE) // 2  # directors' names start halfway through the actors'
_FAV_TYPES = ("movie",) * 9 + ("image",) * 4 + ("cast",) * 4 + ("series", "photobook") * 1
# Movies per year: a collection that grows over time (2005 .. 2025); drawn uniformly from the pool.
_YEAR_POOL = tuple(y for y in range(2005, 2026) for _ in range(4 + int((y - 2005) ** 1.5)))


_B36_PAIRS = tuple(a + b for a in _B36 for b in _B36)


def _b36(h: int, n: int) -> str:
    """n (6 or 9) base-36 digits of h, like the app's Math.random().toString(36) id suffixes."""
    h, a = divmod(h, 1296)
    h, b = divmod(h, 1296)
    h, c = divmod(h, 1296)
    if n == 6:
        return _B36_PAIRS[a] + _B36_PAIRS[b] + _B36_PAIRS[c]
    h, d = divmod(h, 1296)
    return _B36_PAIRS[a] + _B36_PAIRS[b] + _B36_PAIRS[c] + _B36_PAIRS[d] + _B36[h % 36]


@lru_cache(maxsize=2048)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))


_HHMM = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440))
_SS_MS = tuple(f"{s:02d}." for s in range(60)), tuple(f"{ms:03d}Z" for ms in range(1000))


def _iso(ms: int) -> str:
    """JavaScript's toISOString(), as the app writes createdAt/updatedAt (table-driven: it is hot)."""
    day, ms = divmod(ms, 86_400_000)
    sec, ms = divmod(ms, 1000)
    return _day(day) + _HHMM[sec // 60] + _SS_MS[0][sec % 60] + _SS_MS[1][ms]


def _nth(names: tuple[str, ...], k: int) -> str:
    """The k-th distinct name: cycle the list, numbering later rounds ("Sakura Films 2")."""
    base = names[k % len(names)]
    return base if k < len(names) else f"{base} {k // len(names) + 1}"


def _person(givens: tuple[tuple[str, ...], ...], k: int) -> tuple[str, str, str]:
    """The k-th distinct (romaji, kanji, kana) name; family and given name vary independently."""
    fam, giv = _FAMILY[k % len(_FAMILY)], givens[(k // len(_FAMILY)) % len(givens)]
    n = k // (len(_FAMILY) * len(givens))
    suffix = f" {n + 1}" if n else ""
    return f"{giv[0]} {fam[0]}{suffix}", f"{fam[1]}{giv[1]}{suffix}", f"{fam[2]} {giv[2]}{suffix}"


def _series_title(k: int) -> tuple[str, str]:
    """The k-th distinct (English, Japanese) title: place x phrase, numbered after that."""
    place, phrase = _PLACES[k % len(_PLACES)], _PHRASES[(k // len(_PLACES)) % len(_PHRASES)]
    n = k // (len(_PLACES) * len(_PHRASES))
    suffix = f" {n + 1}" if n else ""
    return f"{place[0]} {phrase[0]}{suffix}", f"{place[1]}の{phrase[1]}{suffix}"


def _code(i: int) -> tuple[str, str]:
    """Movie i's code (`ABP-123`) and DMM-style dmcode (`abp00123`), unique per movie."""
    p, num = _CODES[i % len(_CODES)], i // len(_CODES) + 1
    return f"{p}-{num:03d}", f"{p.lower()}{num:05d}"


def _name(kind: str, k: int) -> str:
    """The display name of master item k of a kind, as movies refer to it."""
    if kind == "actress":
        return _person(_FEMALE, k)[0]
    if kind in ("actor", "director"):
        return _person(_MALE, k + (_DIRECTOR_OFFSET if kind == "director" else 0))[0]
    if kind == "series":
        return _series_title(k)[0]
    if kind == "generation":
        return f"Generation {k + 1}"
    if kind == "lineup":
        return f"Team {_B36[10 + k % 26].upper()}{k // 26 or ''}"
    return _nth(_LISTS[kind], k)


def _plan(rows: int) -> dict[str, int]:
    """Rows per kind: proportional to the weights, at least one each, summing to `rows` when it can."""
    free, total = max(rows - _FIXED, 0), sum(_WEIGHTS.values())
    counts = {k: max(1, round(w / total * free)) for k, w in _WEIGHTS.items()}
    counts["movies"] = max(1, counts["movies"] + free - sum(counts.values()))
    counts["saved_galleries"] = min(counts["saved_galleries"], counts["movies"])
    return counts


def generate(rows: int = DEFAULT_ROWS, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """Yield `(key, compact JSON value)` rows of a plausible MVDB table, deterministically per seed.

    About `rows` rows in all (never fewer than one per category, so tiny sizes run a little over).
    """
    return _Demo(rows, seed).rows()


class _Demo:
    """One generation run: the plan, the random stream, the users; records built on demand."""

    def __init__(self, rows: int, seed: int) -> None:
        self.seed, self.n = seed, _plan(rows) | {"nav": 10 * _USERS}
        self.rnd = random.Random(seed)
        self.rand = self.rnd.random
        self.step = {k: max(1, _SPAN // c) for k, c in self.n.items()}
        self.salt = {k: (seed * 0xD1B54A32D192ED03 + n * 0xBF58476D1CE4E5B9) & _M64 for k, n in _KIND.items()}
        # Bounded caches (a few MB at most): references favour popular rows, names repeat.
        self.ident = lru_cache(maxsize=4096)(self._ident)
        self.name = lru_cache(maxsize=1 << 14)(_name)
        self.users = [str(uuid.UUID(int=self.rnd.getrandbits(128), version=4)) for _ in range(_USERS)]

    # -- ids and cross references: pure functions of the index, so nothing is remembered --
    def _h(self, kind: str, i: int) -> int:
        """64 well-mixed bits for (seed, kind, i): the splitmix64 finaliser."""
        x = (self.salt[kind] + i * 0x9E3779B97F4A7C15) & _M64
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
        return x ^ (x >> 31)

    def _ident(self, kind: str, i: int) -> tuple[int, str]:
        """(creation ms, id) of record i; times increase with i, so ids sort by age as in the app."""
        h, step = self._h(kind, i), self.step[kind]
        ts = _T0 + i * step + h % step
        return ts, f"{ts}-{_b36(h, 9)}"

    def ts(self, kind: str, i: int) -> int:
        return self.ident(kind, i)[0]

    def id(self, kind: str, i: int) -> str:
        return self.ident(kind, i)[1]

    def pick(self, kind: str) -> int:
        """A skewed index: a few popular names and movies, a long tail (realistic statistics)."""
        return int(self.n[kind] * self.rand() ** 2)

    def ri(self, a: int, b: int) -> int:
        """randint(a, b), several times faster (the stdlib's exactness is not needed here)."""
        return a + int(self.rand() * (b - a + 1))

    def one(self, seq: tuple[Any, ...]) -> Any:
        return seq[int(self.rand() * len(seq))]

    def pname(self, kind: str) -> str:
        """The name of a skew-picked item of a kind."""
        return self.name(kind, int(self.n[kind] * self.rand() ** 2))

    def names(self, kind: str, most: int) -> str:
        """A comma-separated cast/tag string (1..most distinct names), as movies store them."""
        n, rand, name = self.n[kind], self.rand, self.name
        picked = [name(kind, int(n * rand() ** 2)) for _ in range(1 + int(rand() * most))]
        return picked[0] if len(picked) == 1 else ", ".join(dict.fromkeys(picked))

    def date(self) -> str:
        return f"{self.one(_YEAR_POOL)}-{self.ri(1, 12):02d}-{self.ri(1, 28):02d}"

    def stamps(self, kind: str, i: int) -> dict[str, str]:
        ms = self.ident(kind, i)[0]
        return {"createdAt": _iso(ms), "updatedAt": _iso(ms + self.ri(0, 90 * 86_400_000))}

    # -- records --
    def movie(self, i: int) -> dict[str, Any]:
        rand, pname, names = self.rand, self.pname, self.names  # locals: this is the hot path
        code, dm = _code(i)
        place, phrase = _PLACES[int(rand() * len(_PLACES))], _PHRASES[int(rand() * len(_PHRASES))]
        pics = f"https://pics.example.com/{dm}/{dm}"
        return {
            "id": self.id("movies", i), "code": code, "dmcode": dm,
            "titleEn": f"{phrase[0]} in {place[0]}", "titleJp": f"{place[1]}で{phrase[1]}",
            "releaseDate": self.date(), "duration": str(60 + int(rand() * 180)),
            "type": pname("type"), "director": pname("director"), "actress": names("actress", 3),
            "actors": names("actor", 2) if rand() < 0.6 else "",
            "series": pname("series") if rand() < 0.5 else "",
            "studio": pname("studio"), "label": pname("label"), "tags": names("tag", 4),
            "cover": f"{pics}pl.jpg", "gallery": f"{pics}jp-##.jpg",
            "galleryImages": [f"{pics}jp-{n}.jpg" for n in range(1, int(rand() * 9))],
            "cropCover": rand() < 0.3, "clinks": f"https://stream.example.com/v/{dm}",
            "ulinks": f"https://mirror.example.net/{dm}" if rand() < 0.2 else "",
            "slinks": f"https://store.example.org/item/{dm}" if rand() < 0.4 else "",
            **self.stamps("movies", i),
        }

    def sc_movie(self, i: int) -> dict[str, Any]:
        en, jp = _series_title(i)
        hc = [_code(self.pick("movies"))[0] for _ in range(self.ri(1, 3))]
        dates = [self.date() for _ in hc]
        return {
            "id": self.id("sc_movies", i), "titleEn": f"{en} Special Cut", "titleJp": f"{jp} 特別編",
            "cover": f"https://pics.example.com/sc/{i}.jpg",
            "scType": self.one(("real_cut", "regular_censorship")),
            "releaseDate": self.date(), "hcReleaseDate": dates[0], "cast": self.names("actress", 3),
            "hcCode": hc[0],
            "hcMovies": [{"hcCode": c, "hcReleaseDate": d} for c, d in zip(hc, dates, strict=True)],
            "hasEnglishSubs": self.rand() < 0.4,
            "scStreamingLinks": [f"https://stream.example.com/sc/{i}"],
            "hcStreamingLinks": [f"https://stream.example.com/v/{hc[0].lower()}"],
            **self.stamps("sc_movies", i),
        }

    def master(self, kind: str, i: int) -> dict[str, Any]:
        mid, img = self.id(kind, i), f"https://img.example.com/{kind}/"
        item: dict[str, Any] = {"id": mid, "name": self.name(kind, i), "type": kind,
                                "createdAt": _iso(self.ts(kind, i))}
        if kind in ("actress", "actor", "director"):
            k = i + (_DIRECTOR_OFFSET if kind == "director" else 0)
            _, kanji, kana = _person(_FEMALE if kind == "actress" else _MALE, k)
            link = {"id": f"link-{mid}-1", "label": "Official", "url": f"https://profile.example.com/{mid}"}
            item |= {"jpname": kanji, "kanjiName": kanji, "kanaName": kana, "links": [link]}
            if kind != "director":
                item |= {
                    "birthdate": f"{self.ri(1975, 2003)}-{self.ri(1, 12):02d}-{self.ri(1, 28):02d}",
                    "alias": f"{kanji}ちゃん" if kind == "actress" and self.rand() < 0.2 else "",
                    "tags": self.names("tag", 2),
                    "photo": [f"{img}{mid}/{n}.jpg" for n in range(self.ri(1, 3))],
                    "profilePicture": f"{img}{mid}/0.jpg",
                }
            if kind == "actress" and self.rand() < 0.15:
                g = self.pick("group")
                group = self.name("group", g)
                item |= {"groupId": self.id("group", g), "groupName": group, "selectedGroups": [group]}
        elif kind == "series":
            en, jp = _series_title(i)
            item |= {"titleEn": en, "titleJp": jp, "seriesLinks": f"https://series.example.com/{mid}"}
        elif kind in ("studio", "label"):
            item[f"{kind}Links"] = f"https://{kind}.example.com/{i}"
        elif kind == "group":
            item |= {"jpname": f"{_PLACES[i % len(_PLACES)][1]}クラブ", "description": "Idol group",
                     "website": f"https://group.example.com/{i}", "profilePicture": f"{img}{mid}.jpg",
                     "gallery": [f"{img}{mid}/{n}.jpg" for n in range(3)]}
        elif kind == "generation":
            g, y = i % self.n["group"], self.ri(2012, 2024)
            item |= {"groupId": self.id("group", g), "groupName": self.name("group", g),
                     "estimatedYears": f"{y}-{y + 3}", "startDate": f"{y}-04-01"}
        elif kind == "lineup":
            g = i % self.n["generation"]
            item |= {"generationId": self.id("generation", g), "generationName": self.name("generation", g),
                     "lineupType": self.one(("Main", "Sub", "Graduated", "Trainee")),
                     "lineupOrder": i % 5 + 1}
        return item

    def photobook(self, i: int) -> dict[str, Any]:
        a, (en, jp) = self.pick("actress"), _series_title(i)
        name, base = self.name("actress", a), f"https://photo.example.com/pb{i}/"
        tags = [{"url": f"{base}{n:02d}.jpg", "actresses": [name], "contentRating": self.one(("N", None)),
                 "imageIndex": n} for n in range(1, self.ri(2, 6))]
        return {
            "id": self.id("photobooks", i), "titleEn": f"{name} Photobook {en}",
            "titleJp": f"{_person(_FEMALE, a)[1]} 写真集「{jp}」", "link": f"{base}index.html",
            "cover": f"{base}cover.jpg", "releaseDate": self.date(), "actress": name,
            "imageLinks": f"{base}##.jpg", "imageTags": tags,
            "linkedTo": {"actressId": self.id("actress", a)},
            **self.stamps("photobooks", i),
        }

    def favorite(self, i: int) -> dict[str, Any]:
        ts = self.ts("favorites", i)
        kind = self.one(_FAV_TYPES)
        fav: dict[str, Any] = {"id": f"fav_{ts}_{_b36(self._h('favorites', i), 6)}", "type": kind}
        if kind == "movie":
            fav["itemId"] = self.id("movies", self.pick("movies"))
        elif kind == "image":  # itemId is the image URL, sourceId the movie it belongs to
            m = self.pick("movies")
            dm = _code(m)[1]
            fav |= {"itemId": f"https://pics.example.com/{dm}/{dm}jp-1.jpg", "sourceId": self.id("movies", m)}
        elif kind == "cast":  # the app favourites cast members by name
            fav["itemId"] = self.pname("actress")
        else:
            src = "series" if kind == "series" else "photobooks"
            fav["itemId"] = self.id(src, self.pick(src))
        user = self.users[self.one((0, 0, 0, 0, 0, 0, 0, 1, 1, 2))]  # one main user, two occasional
        return fav | {"userId": user, "createdAt": _iso(ts)}

    def rows(self) -> Iterator[tuple[str, bytes]]:
        n, dumps = self.n, orjson.dumps
        for kind in _MASTER_KINDS:
            for i in range(n[kind]):
                item = self.master(kind, i)
                # The quirk that matters: a JSON *string* holding the JSON, as the app stores master data.
                yield f"master_{kind}_{item['id']}", dumps(dumps(item).decode())
        for i in range(n["movies"]):
            yield f"movie:{self.id('movies', i)}", dumps(self.movie(i))
        for i in range(n["sc_movies"]):
            yield f"scmovie:{self.id('sc_movies', i)}", dumps(self.sc_movie(i))
        for i in range(n["photobooks"]):
            yield f"photobook_{self.id('photobooks', i)}", dumps(self.photobook(i))
        for i in range(n["favorites"]):
            fav = self.favorite(i)
            yield f"favorite_{fav['id']}", dumps(fav)
        for i in range(n["movie_links"]):
            a, b = self.pick("movies"), self.pick("movies")
            b = (a + 1) % n["movies"] if b == a else b
            link = {"id": self.id("movie_links", i), "primaryMovieId": self.id("movies", a),
                    "linkedMovieId": self.id("movies", b),
                    "description": self.one(("Remaster", "Same series", "Director's cut", "Sequel")),
                    **self.stamps("movie_links", i)}
            yield f"movie_link:{link['id']}", dumps(link)
        for i in range(n["saved_galleries"]):
            m = i * n["movies"] // n["saved_galleries"]  # distinct movies, one gallery each
            dm, count = _code(m)[1], self.ri(5, 20)
            tpl = f"https://pics.example.com/{dm}/{dm}jp-##.jpg"
            urls = [tpl.replace("##", str(k)) for k in range(1, count + 1)]
            yield f"saved_gallery:{self.id('movies', m)}", dumps({
                "movieId": self.id("movies", m), "urls": urls, "template": tpl,
                "savedAt": self.ts("saved_galleries", i), "totalImages": count})
        for i in range(n["templates"]):
            yield f"template_group:{self.id('templates', i)}", dumps({
                "id": self.id("templates", i), "name": f"{self.name('studio', i)} template",
                "templateUrl": "https://pics.example.com/*/*pl.jpg",
                "galleryTemplate": "https://pics.example.com/*/*jp-##.jpg",
                "applicableTypes": [self.name("type", i % n["type"])],
                "applicableStudios": [self.name("studio", i)], "isDefault": i == 0,
                **self.stamps("templates", i)})
        yield from self.app_rows()

    def app_rows(self) -> Iterator[tuple[str, bytes]]:
        """Per-user and app-wide keys: a fixed handful, whatever the size."""
        dumps, types = orjson.dumps, [self.name("type", k) for k in range(min(self.n["type"], len(_TYPES)))]
        colors = {t: _COLORS[k % len(_COLORS)] for k, t in enumerate(types)}
        yield "movie_type_colors", dumps(dumps(colors).decode())  # a JSON string, as the app may store it
        for u, user in enumerate(self.users):
            yield f"movie_type_colors:{user}", dumps(dict(zip(types, (_COLORS * 2)[u:], strict=False)))
            nav = []
            for k, kind in enumerate(_FILTERS[: 2 + u]):
                label, j = self.pname(kind), u * 10 + k
                nav.append({"id": self.id("nav", j), "label": label, "filterType": kind, "filterValue": label,
                            "order": k, "userId": user, "createdAt": _iso(self.ts("nav", j))})
            yield f"custom_nav_items:{user}", dumps(nav)
        for key, value in _SETTINGS.items():
            yield key, dumps(value)
        yield "app_meta:version", dumps({"version": "2.4.1", "schema": 3, "updatedAt": _iso(_T0 + _SPAN)})
        yield "app_meta:migrated", dumps(True)  # a scalar JSONB value: legal, and must survive too


def seed_store(store: Store, rows: int = DEFAULT_ROWS, seed: int = 0, force: bool = False,
         progress: ProgressFn | None = None) -> dict[str, int]:
    """Fill an empty store with `generate(rows, seed)`; returns its counts. `force` writes into a table with data."""
    if rows < 1:
        raise UsageError("--rows must be at least 1")
    if store.table_exists() and not store.is_empty() and not force:
        raise UsageError(
            f"table {store.table} already holds data; demo data only goes into an empty table (or pass --force)"
        )
    tracker = Tracker(progress, Stage.DEMO, rows)
    store.write(chain.from_iterable(tracker.counted(pages_of(generate(rows, seed)))), upsert=force)
    tracker.finish()
    return store.count()
