"""A deterministic, realistic corpus of N papers, bulk-loaded into SQLite and PostgreSQL.

    python bench/corpus.py [--papers 1000000] [--seed 1] [--no-sqlite] [--no-postgres] [--force]

Shape (all drawn from `--seed`): ~6 authors a paper from a Zipf-Mandelbrot distribution over
0.3·N authors (the most prolific have thousands of papers); 1–4 of 155 real arXiv categories
(primary Zipf-distributed, cross-lists mostly from the same archive); 20 years of weekday
announcement days whose size grows ~4× over the span, Mondays larger; titles and abstracts from a
Zipfian vocabulary (real words at the head, made-up words in the long tail), so some query words
match hundreds of thousands of papers and some a few dozen; a little TeX math, code links in
comments and abstracts; arXiv ids `yymm.nnnnn` numbered within the month of their day; versions;
~8% DOIs with a journal reference; one source per category and one listing per paper.

The schema comes from the app's migrations (`app.db.upgrade_schema`). The load drops the
secondary indexes and the SQLite FTS triggers, writes every table with precomputed integer ids
(sqlite3 executemany in one transaction / psycopg COPY ... FREEZE), then recreates each index from
its saved definition and rebuilds the full-text index with `rebuild_search_index` (what
`academichub index rebuild` runs), printing every time. A marker table `bench_corpus` holds a
fingerprint of the parameters and the migrations; a database with the same fingerprint is reused.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import random
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app.db import make_engine, make_session_factory, upgrade_schema  # noqa: E402

try:  # where `academichub index rebuild` finds it (it moved out of app.db with the search code)
    from app.search import rebuild_search_index
except ImportError:
    from app.db import rebuild_search_index
from app.models import Paper  # noqa: E402
from app.text import author_match_key  # noqa: E402
from app.web.card_store import fragment_counts, refresh_fragments  # noqa: E402

FORMAT = 1  # bump when the generator's output changes
BENCH_DIR = Path(os.environ.get("ACADEMICHUB_BENCH_DIR", "/tmp/academichub-bench"))
POSTGRES_SERVER = os.environ.get(
    "ACADEMICHUB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"
)
CHUNK = 10_000


def _words(text: str) -> list[str]:
    return text.split()


ARCHIVES = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA "
    "NE NI OH OS PF PL RO SC SD SE SI SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA "
    "RA RT SG SP ST",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph "
    "flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
    "eess": "AS IV SP SY",
    "econ": "EM GN TH",
}
SOLO = _words("hep-ex hep-lat hep-ph hep-th gr-qc quant-ph math-ph nucl-ex nucl-th")
POPULAR = _words(
    "cs.LG cs.CV cs.CL cs.AI quant-ph hep-ph cond-mat.mtrl-sci astro-ph.GA math.AP hep-th "
    "cond-mat.mes-hall stat.ML math.PR cs.RO astro-ph.SR math.CO cond-mat.str-el gr-qc eess.SP "
    "cs.CR astro-ph.CO math.NA cs.IT math.OC cond-mat.stat-mech cs.SE physics.optics astro-ph.HE"
)
FUNCTION_WORDS = _words(
    "the of and in to a we is for that this with on by as are from be an which our these can it "
    "at not two its has such both also than between into over using show new based their where "
    "while through under more most each only one first"
)
HEAD_WORDS = _words(
    "model learning network data method results quantum field theory system systems models "
    "approach problem time energy performance analysis algorithm training neural proposed "
    "framework large distribution dynamics function state structure high different study "
    "information deep language graph methods optimal phase order space number low image task "
    "tasks efficient present properties spin mass dark matter galaxies stars black hole gravity "
    "gauge symmetry boundary equation equations solutions nonlinear linear random stochastic "
    "inference estimation bayesian sampling gradient optimization convex policy reinforcement "
    "agents robot control feedback signal detection classification segmentation transformer "
    "attention generative diffusion adversarial robust privacy security attack benchmark dataset "
    "experiments simulations numerical error bounds convergence complexity polynomial graphs "
    "manifold algebra algebras group groups operator operators spectral spectrum eigenvalue "
    "magnetic electronic topological superconducting lattice temperature transition critical "
    "scattering collider neutrino higgs decay cross section measurement detector observations "
    "telescope survey cosmological redshift stellar planets exoplanet formation evolution protein "
    "gene cell cells brain neurons population epidemic market price risk portfolio volatility "
    "economic causal regression variance kernel sparse matrix tensor rank representation "
    "embedding features feature retrieval recommendation reasoning multimodal vision speech audio "
    "video scene 3d point cloud depth pose tracking navigation planning wireless channel "
    "communication coding capacity beamforming energy-efficient scheduling distributed federated "
    "parallel hardware memory compiler verification software testing code program programs logic "
    "semantics proof theorem conjecture prime integer curves surfaces geometry topology homology "
    "cohomology invariant invariants moduli stack sheaf fluid flow turbulence plasma laser "
    "optical photonic entanglement qubit qubits circuit circuits noise decoherence thermodynamic "
    "entropy transport conductivity interface surface thin films crystal defects strain electron "
    "electrons photon photons atoms molecules"
)
FIRST_NAMES = _words(
    "Wei Li Jing Yang Hao Xin Yu Chen Lei Min Jun Hui Zichen Yiming Haoran Mei Ananya Rahul Priya "
    "Arjun Deepak Kavya Vikram Sanjay Neha Rohan Maria Anna Laura Sofia Elena Julia Clara Marta "
    "Lucia Paula John David Michael James Robert Daniel Thomas Andrew Peter Mark Paul Steven "
    "Kevin Brian Sarah Emily Jessica Rachel Hannah Olivia Emma Grace Chloe Alice Jean Pierre "
    "Louis Camille Mathieu Nicolas Julien Hans Klaus Stefan Jurgen Lukas Felix Matthias Tobias "
    "Sven Lars Erik Anders Nils Ingrid Astrid Giovanni Marco Luca Matteo Francesco Alessandro "
    "Giulia Chiara Carlos Miguel Javier Alejandro Diego Pablo Ivan Dmitri Sergei Alexei Olga "
    "Natalia Tatiana Yuki Hiroshi Takashi Kenji Satoshi Haruka Sakura Minjun Jiwoo Seojun Hyun "
    "Soyeon Ahmed Mohammed Omar Fatima Aisha Yusuf Ali Hassan Kwame Ama Chinedu Ngozi Tunde Amara "
    "Jose Zoe"
)
LAST_NAMES = _words(
    "Liu Wang Zhang Li Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Zheng "
    "Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye "
    "Cheng Wei Su Lu Ding Ren Shen Yao Sharma Gupta Singh Kumar Patel Reddy Iyer Nair Rao Das "
    "Bose Mehta Joshi Kapoor Chatterjee Banerjee Mukherjee Agarwal Smith Johnson Williams Brown "
    "Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White Harris "
    "Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson "
    "Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris "
    "Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson "
    "Wood Watson Brooks Bennett Gray Hughes Price Sanders Myers Long Ross Foster Muller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Neumann "
    "Schwarz Zimmermann Braun Hofmann Hartmann Lange Krause Lehmann Kohler Huber Kaiser Fuchs "
    "Peters Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia Fernandez Lopez "
    "Martinez Sanchez Perez Gomez Diaz Hernandez Alvarez Romero Navarro Torres Dominguez Vazquez "
    "Ramos Gil Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
    "Conti Costa Giordano Mancini Rizzo Lombardi Moretti Ivanov Smirnov Kuznetsov Popov Sokolov "
    "Lebedev Kozlov Novikov Morozov Petrov Volkov Solovyov Tanaka Suzuki Takahashi Watanabe Ito "
    "Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki Kim Lee Park Choi Jung Kang Cho Yoon "
    "Jang Lim Nguyen Tran Le Pham Hoang Vu Dang Bui Do Ngo Andersson Johansson Karlsson Nilsson "
    "Eriksson Larsson Olsen Hansen Jensen Nielsen Kowalski Nowak Wisniewski Novak Horvath Nagy "
    "Kovacs Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Carvalho Okafor "
    "Adeyemi Mensah Hassan Khan Ahmed Rahman Hussain Cohen Levi Mizrahi Friedman Katz Yilmaz Kaya "
    "Demir"
)
MATH_SNIPPETS = (
    r"$O(n \log n)$",
    r"$\mathcal{N}=4$",
    r"$\alpha_s(M_Z)$",
    r"$10^{-3}$",
    r"$\sqrt{s}=13$ TeV",
    r"$L^2$",
    r"$\epsilon$-approximation",
    r"$SU(N)$",
    r"$k$-means",
    r"$\ell_1$",
    r"$T_c$",
    r"$H_0$",
    r"$\mathbb{R}^d$",
    r"$p<0.05$",
    r"$\frac{1}{2}$",
    r"$\beta$-function",
)
VENUES = ("NeurIPS", "ICML", "ICLR", "CVPR", "ACL", "STOC", "PRL", "JHEP", "ApJ", "Nature Physics")
LICENSE = "http://creativecommons.org/licenses/by/4.0/"
PAPER_COLUMNS = _words(
    "id key arxiv_id doi version title abstract abstract_html announce_type published_on "
    "submitted_at updated_at primary_category source_label url pdf_url comments journal_ref "
    "license created_at modified_at"
)
SOURCE_COLUMNS = _words(
    "id label kind url enabled interval_minutes status failures created_at last_polled_at "
    "last_success_at"
)
TABLES = {
    "categories": ("code", "name"),
    "sources": tuple(SOURCE_COLUMNS),
    "authors": ("id", "name", "match_key"),
    "papers": tuple(PAPER_COLUMNS),
    "paper_authors": ("paper_id", "position", "author_id", "affiliation"),
    "paper_categories": ("paper_id", "category", "position"),
    "paper_listings": (
        _words("id paper_id source_id listed_on announce_type version origin created_at")
    ),
}


@dataclass(frozen=True)
class CorpusSpec:
    """What determines a corpus: same spec, same rows, on every database."""

    papers: int = 1_000_000
    seed: int = 1
    years: int = 20
    end: str = "2026-11-24"  # the latest announcement day (a Tuesday)

    @property
    def authors(self) -> int:
        return max(2_000, self.papers * 3 // 10)

    def fingerprint(self) -> str:
        """Parameters and generator format: equal means the rows can be reused (the schema is
        brought up to date with the app's migrations, and the cards rendered, on reuse)."""
        return hashlib.sha256(json.dumps([asdict(self), FORMAT]).encode()).hexdigest()[:16]


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


class Corpus:
    """The deterministic parts every process shares: vocabulary, authors, categories, days."""

    def __init__(self, spec: CorpusSpec) -> None:
        self.spec = spec
        rng = random.Random(f"corpus:{spec.seed}")
        self.content_words = HEAD_WORDS + _made_up_words(rng, 100_000 - len(HEAD_WORDS))
        content = [1 / (r + 3) for r in range(len(self.content_words))]
        function = [1 / (r + 1) for r in range(len(FUNCTION_WORDS))]
        total = sum(content)
        self.content_mass = [w / total for w in content]
        self.words = FUNCTION_WORDS + self.content_words
        # Abstracts: ~42% function words; titles: ~15%.
        self.abstract_cum = self._mix(function, content, 0.42)
        self.title_cum = self._mix(function, content, 0.15)
        codes = [f"{a}.{c}" for a, cs in ARCHIVES.items() for c in cs.split()] + SOLO
        self.categories = POPULAR + [c for c in codes if c not in POPULAR]
        self.category_cum = _cumulative(1 / (r + 2) for r in range(len(self.categories)))
        self.by_archive: dict[str, list[str]] = {}
        for code in self.categories:
            self.by_archive.setdefault(code.split(".")[0], []).append(code)
        # Zipf-Mandelbrot: weight 1/(rank + q); q sets how prolific the head is (~5,000 at 1M).
        q = max(1.0, self.spec.authors / 2_000)
        self.author_rank_cum = _cumulative(1 / (r + q) for r in range(self.spec.authors))
        self.rank_to_author = list(range(1, self.spec.authors + 1))
        rng.shuffle(self.rank_to_author)

    @staticmethod
    def _mix(function: list[float], content: list[float], share: float) -> list[float]:
        f_total, c_total = sum(function), sum(content)
        weights = [w * share / f_total for w in function]
        weights += [w * (1 - share) / c_total for w in content]
        return _cumulative(weights)

    @cached_property
    def author_names(self) -> list[str]:
        """Author id - 1 -> a unique name (unique after the app's match-key folding)."""
        rng = random.Random(f"names:{self.spec.seed}")
        middles = ["", *(f"{chr(c)}. " for c in range(ord("A"), ord("Z") + 1))]
        total = len(FIRST_NAMES) * len(middles) * len(LAST_NAMES)
        names = []
        for code in rng.sample(range(total), self.spec.authors):
            code, last = divmod(code, len(LAST_NAMES))
            first, middle = divmod(code, len(middles))
            names.append(f"{FIRST_NAMES[first]} {middles[middle]}{LAST_NAMES[last]}")
        return names

    def author_by_rank(self, rank: int) -> str:
        """The name of the author at popularity `rank` (0 = most prolific)."""
        return self.author_names[self.rank_to_author[rank] - 1]

    def draw_author_ranks(self, rng: random.Random, k: int) -> list[int]:
        """`k` author ranks drawn like bylines draw them (a card's author link)."""
        return [
            bisect_index(self.author_rank_cum, rng.random() * self.author_rank_cum[-1])
            for _ in range(k)
        ]

    def query_words(self, band: str) -> list[str]:
        """Content words whose expected number of matching papers falls in `band`."""
        return self._bands[band]

    @cached_property
    def _bands(self) -> dict[str, list[str]]:
        bounds = {"rare": (2e-5, 4e-4), "medium": (2e-3, 2e-2), "common": (8e-2, 0.45)}
        n = self.spec.papers
        tokens = 170 * 0.58  # content tokens in an average title + abstract
        bands: dict[str, list[str]] = {band: [] for band in bounds}
        for word, mass in zip(self.content_words, self.content_mass, strict=True):
            expected = n * (1 - (1 - mass) ** tokens)
            for band, (low, high) in bounds.items():
                if max(3, low * n) <= expected <= high * n and word.isalpha():
                    bands[band].append(word)
        return bands

    @cached_property
    def schedule(self) -> list[tuple[date, int]]:
        """(announcement day, papers that day), oldest first, summing to spec.papers."""
        rng = random.Random(f"days:{self.spec.seed}")
        end = date.fromisoformat(self.spec.end)
        start = end.replace(year=end.year - self.spec.years) + timedelta(days=1)
        days = [
            start + timedelta(days=i)
            for i in range((end - start).days + 1)
            if (start + timedelta(days=i)).weekday() < 5
            and ((start + timedelta(days=i)).month, (start + timedelta(days=i)).day)
            not in ((12, 25), (1, 1))
        ]
        growth = math.log(4) / len(days)
        weights = [
            math.exp(growth * i)
            * (1.25 if day.weekday() == 0 else 1.0)
            * rng.lognormvariate(0, 0.15)
            for i, day in enumerate(days)
        ]
        scale = self.spec.papers / sum(weights)
        counts = [int(w * scale) for w in weights]
        order = sorted(range(len(days)), key=lambda i: weights[i] * scale - counts[i], reverse=True)
        for i in order[: self.spec.papers - sum(counts)]:
            counts[i] += 1
        return list(zip(days, counts, strict=True))

    def chunk_plan(self) -> list[tuple[int, list[tuple[str, str]]]]:
        """Chunks of (first paper id, [(day, arXiv id), ...]) in id order."""
        slots, month, sequence = [], None, 0
        for day, count in self.schedule:
            if (day.year, day.month) != month:
                month, sequence = (day.year, day.month), 0
            for _ in range(count):
                sequence += 1
                slots.append((day.isoformat(), f"{day:%y%m}.{sequence:05d}"))
        return [(start + 1, slots[start : start + CHUNK]) for start in range(0, len(slots), CHUNK)]


def bisect_index(cumulative: list[float], value: float) -> int:
    from bisect import bisect_right

    return min(bisect_right(cumulative, value), len(cumulative) - 1)


def _made_up_words(rng: random.Random, count: int) -> list[str]:
    onsets = _words("b c d f g h k l m n p r s t v z br cr dr gr pr tr st sp pl cl ch th")
    vowels = _words("a e i o u ai ea io ou")
    endings = ["", "", "", "ic", "al", "ine", "ite", "on", "ar", "ex", "ism", "oid"]
    seen = set(HEAD_WORDS) | set(FUNCTION_WORDS)
    words: list[str] = []
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 4))
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))
        word += rng.choice(endings)
        if word not in seen and len(word) >= 5:
            seen.add(word)
            words.append(word)
    return words


# --- generation (worker processes) ----------------------------------------------------------------

_CORPUS: Corpus | None = None


def _text(corpus: Corpus, rng: random.Random, cum: list[float], n: int) -> str:
    words = rng.choices(corpus.words, cum_weights=cum, k=n)
    words[0] = words[0].capitalize()
    return " ".join(words)


def _abstract(corpus: Corpus, rng: random.Random) -> str:
    remaining, sentences = rng.randint(100, 220), []
    while remaining > 0:
        n = min(remaining, rng.randint(12, 28))
        sentences.append(_text(corpus, rng, corpus.abstract_cum, n) + ".")
        remaining -= n
    if rng.random() < 0.15:
        sentences.insert(rng.randrange(len(sentences)), f"We obtain {rng.choice(MATH_SNIPPETS)}.")
    if rng.random() < 0.02:
        sentences.append(f"Code is available at https://github.com/{_repo(corpus, rng)}.")
    return " ".join(sentences)


def _repo(corpus: Corpus, rng: random.Random) -> str:
    return f"{rng.choice(LAST_NAMES).lower()}-lab/{rng.choice(corpus.content_words[:2000])}"


def _categories(corpus: Corpus, rng: random.Random) -> list[str]:
    primary = rng.choices(corpus.categories, cum_weights=corpus.category_cum)[0]
    chosen = [primary]
    for _ in range(rng.choices((0, 1, 2, 3), (40, 30, 20, 10))[0]):
        siblings = corpus.by_archive[primary.split(".")[0]]
        pool = siblings if rng.random() < 0.7 and len(siblings) > 1 else corpus.categories
        pick = rng.choice(pool)
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def _comments(corpus: Corpus, rng: random.Random) -> str | None:
    if rng.random() > 0.35:
        return None
    text = f"{rng.randint(4, 60)} pages, {rng.randint(1, 20)} figures"
    if rng.random() < 0.2:
        text += f"; accepted at {rng.choice(VENUES)} {rng.randint(2008, 2026)}"
    if rng.random() < 0.2:
        text += f"; code: https://github.com/{_repo(corpus, rng)}"
    return text


def generate_chunk(plan: tuple[int, list[tuple[str, str]]]) -> dict:
    """Rows of one chunk; depends only on the spec and the chunk's first id."""
    corpus = _CORPUS
    assert corpus is not None
    first_id, slots = plan
    rng = random.Random(f"chunk:{corpus.spec.seed}:{first_id}")
    rows: dict[str, list] = {name: [] for name in ("papers", "authors", "categories", "listings")}
    prolific: Counter[int] = Counter()
    for paper_id, (day, arxiv_id) in enumerate(slots, start=first_id):
        _paper_rows(corpus, rng, paper_id, day, arxiv_id, rows, prolific)
    return {**rows, "prolific": prolific.most_common(50)}


def _paper_rows(corpus, rng, paper_id, day, arxiv_id, rows, prolific) -> None:
    categories = _categories(corpus, rng)
    size = min(60, max(1, round(rng.lognormvariate(1.55, 0.6))))
    authors = list(
        dict.fromkeys(corpus.rank_to_author[r] for r in corpus.draw_author_ranks(rng, size))
    )
    prolific.update(authors)
    version = rng.choices((1, 2, 3, 4), (70, 20, 7, 3))[0]
    kind = rng.choices(("new", "cross", "replace", "replace-cross"), (80, 12, 6, 2))[0]
    version = max(version, 2) if kind.startswith("replace") else version
    title = _text(corpus, rng, corpus.title_cum, rng.randint(6, 14))
    if rng.random() < 0.05:
        title += f" with {rng.choice(MATH_SNIPPETS)}"
    doi = journal = None
    if rng.random() < 0.08:
        volume = int(day[:4]) - 1920
        doi = f"10.1103/physrevd.{volume}.{rng.randint(10000, 99999)}"
        journal = f"Phys. Rev. D {volume}, {rng.randint(10000, 99999)} ({int(day[:4]) + 1})"
    stamp = f"{day} 01:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000000"
    submitted = f"{date.fromisoformat(day) - timedelta(days=rng.randint(1, 4))} 14:00:00.000000"
    rows["papers"].append(
        (paper_id, f"arxiv:{arxiv_id}", arxiv_id, doi, version, title, _abstract(corpus, rng),
         None, kind, day, submitted, submitted, categories[0],
         f"arXiv ({categories[0].upper()})", f"https://arxiv.org/abs/{arxiv_id}",
         f"https://arxiv.org/pdf/{arxiv_id}", _comments(corpus, rng), journal, LICENSE,
         stamp, stamp)
    )  # fmt: skip
    rows["authors"].extend((paper_id, i, a, None) for i, a in enumerate(authors))
    rows["categories"].extend((paper_id, c, i) for i, c in enumerate(categories))
    source_id = corpus.categories.index(categories[0]) + 1
    rows["listings"].append((paper_id, paper_id, source_id, day, kind, version, "feed", stamp))


@dataclass
class Rows:
    """Every row of a corpus, by table (held in memory: ~4 GB at 1M papers)."""

    tables: dict[str, list]
    prolific: list[tuple[int, int]]
    seconds: float


def generate(corpus: Corpus, processes: int = 2) -> Rows:
    """All rows, generated by `processes` forked workers in deterministic chunks."""
    global _CORPUS
    started = time.perf_counter()
    _CORPUS = corpus
    names = corpus.author_names
    tables: dict[str, list] = {
        "categories": [(code, None) for code in corpus.categories],
        "sources": _source_rows(corpus),
        "authors": [(i + 1, name, author_match_key(name)) for i, name in enumerate(names)],
        "papers": [],
        "paper_authors": [],
        "paper_categories": [],
        "paper_listings": [],
    }
    assert len({row[2] for row in tables["authors"]}) == len(names), "match keys collide"
    prolific: Counter[int] = Counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for chunk in pool.imap(generate_chunk, corpus.chunk_plan()):
            tables["papers"] += chunk["papers"]
            tables["paper_authors"] += chunk["authors"]
            tables["paper_categories"] += chunk["categories"]
            tables["paper_listings"] += chunk["listings"]
            prolific.update(dict(chunk["prolific"]))
    return Rows(tables, prolific.most_common(20), time.perf_counter() - started)


def _source_rows(corpus: Corpus) -> list[tuple]:
    first = f"{corpus.schedule[0][0]} 00:00:00.000000"
    last = f"{corpus.schedule[-1][0]} 01:00:00.000000"
    return [
        (i, f"arXiv {code}", "arxiv", f"https://rss.arxiv.org/rss/{code}", True, 60, "ok", 0,
         first, last, last)
        for i, code in enumerate(corpus.categories, start=1)
    ]  # fmt: skip


# --- loading -----------------------------------------------------------------------------------


def _insert_sql(table: str, columns: tuple[str, ...], style: str = "?") -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(style for _ in columns)})"


class Clock:
    """Named durations, printed as they finish."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.times: dict[str, float] = {}

    def run(self, name: str, action, rows: int | None = None):
        started = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - started
        self.times[name] = round(seconds, 2)
        rate = f"  ({rows / seconds:,.0f} rows/s, {rows:,} rows)" if rows else ""
        print(f"  {self.label}: {name:<44} {seconds:8.1f} s{rate}", file=sys.stderr, flush=True)
        return result


def sqlite_path(spec: CorpusSpec) -> Path:
    return BENCH_DIR / f"corpus-{spec.papers}-seed{spec.seed}.sqlite3"


def read_sqlite_marker(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT fingerprint, report FROM bench_corpus").fetchone()
    except sqlite3.Error:
        return None
    return {"fingerprint": row[0], **json.loads(row[1])} if row else None


def load_sqlite(path: Path, spec: CorpusSpec, rows: Rows) -> dict:
    """A fresh SQLite corpus at `path`; returns the build report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url, clock = f"sqlite:///{path}", Clock("SQLite")
    clock.run("schema (app migrations)", lambda: upgrade_schema(url))
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                   "temp_store=MEMORY", "locking_mode=EXCLUSIVE"):  # fmt: skip
        connection.execute(f"PRAGMA {pragma}")
    marks = ", ".join("?" for _ in TABLES)
    saved = connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        f"AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY type, name",
        list(TABLES),
    ).fetchall()
    for kind, name, _ in saved:
        connection.execute(f"DROP {kind.upper()} {name}")
    connection.execute("BEGIN")
    for table, columns in TABLES.items():
        data = rows.tables[table]
        sql = _insert_sql(table, columns)
        clock.run(f"insert {table}", lambda s=sql, d=data: connection.executemany(s, d), len(data))
    clock.run("commit", lambda: connection.execute("COMMIT"))
    for kind, name, sql in saved:
        if kind == "index":
            clock.run(f"index {name}", lambda s=sql: connection.execute(s))
    for kind, _, sql in saved:
        if kind == "trigger":
            connection.execute(sql)
    connection.close()
    engine = make_engine(url)  # WAL and the app's pragmas from here on, as the server sees it
    clock.run("full-text index (rebuild_search_index)", lambda: rebuild_search_index(engine))
    engine.dispose()
    return _report(clock, rows, path.stat().st_size)


def _report(clock: Clock, rows: Rows, size: int) -> dict:
    inserts = sum(v for k, v in clock.times.items() if k.startswith(("insert", "copy", "commit")))
    return {
        "times": clock.times,
        "generate_s": round(rows.seconds, 1),
        "load_s": round(inserts, 1),
        "papers_per_s": round(len(rows.tables["papers"]) / inserts),
        "total_s": round(sum(clock.times.values()), 1),
        "size_mb": round(size / 1e6),
        "prolific": rows.prolific[:10],
    }


def write_sqlite_marker(path: Path, fingerprint: str, spec: CorpusSpec, report: dict) -> None:
    with sqlite3.connect(path) as connection:
        _write_marker(connection, "?", fingerprint, spec, report)


def _write_marker(connection, mark: str, fingerprint: str, spec: CorpusSpec, report: dict) -> None:
    connection.execute("DROP TABLE IF EXISTS bench_corpus")
    connection.execute("CREATE TABLE bench_corpus (fingerprint TEXT, spec TEXT, report TEXT)")
    connection.execute(
        f"INSERT INTO bench_corpus VALUES ({mark}, {mark}, {mark})",
        (fingerprint, json.dumps(asdict(spec)), json.dumps(report)),
    )


def postgres_database(spec: CorpusSpec) -> str:
    return f"academichub_bench_{spec.papers}_seed{spec.seed}"


def postgres_url(spec: CorpusSpec, driver: bool = True) -> str:
    base = f"{POSTGRES_SERVER}/{postgres_database(spec)}"
    return base.replace("postgresql://", "postgresql+psycopg://", 1) if driver else base


def read_postgres_marker(spec: CorpusSpec) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(postgres_url(spec, driver=False)) as connection:
            row = connection.execute("SELECT fingerprint, report FROM bench_corpus").fetchone()
    except psycopg.Error:
        return None
    return {"fingerprint": row[0], **json.loads(row[1])} if row else None


def load_postgres(spec: CorpusSpec, rows: Rows) -> dict:
    """A fresh PostgreSQL corpus database; returns the build report."""
    import psycopg

    name, clock = postgres_database(spec), Clock("PostgreSQL")
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    clock.run("schema (app migrations)", lambda: upgrade_schema(postgres_url(spec)))
    with psycopg.connect(postgres_url(spec, driver=False)) as connection:
        # Bulk-load settings for this session only; foreign keys hold by construction, so their
        # per-row triggers are skipped (session_replication_role) rather than dropped.
        for setting in ("synchronous_commit = off", "maintenance_work_mem = '1GB'",
                        "session_replication_role = replica", "TIME ZONE 'UTC'"):  # fmt: skip
            connection.execute(f"SET {setting}")
        saved = connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' "
            "AND tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY indexname",
            [list(TABLES)],
        ).fetchall()
        for index, _ in saved:
            connection.execute(f"DROP INDEX {index}")
        # Truncated in this transaction, so COPY can write frozen rows (no later rewrite).
        connection.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        for table, columns in TABLES.items():
            data = rows.tables[table]
            label = f"copy {table}" + (" (+ tsvector column)" if table == "papers" else "")
            clock.run(
                label, lambda t=table, c=columns, d=data: _copy(connection, t, c, d), len(data)
            )
        clock.run("commit", connection.commit)
        for index, definition in saved:
            clock.run(f"index {index}", lambda d=definition: connection.execute(d))
            connection.commit()
        for table in ("papers", "authors", "sources", "paper_listings"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        connection.commit()
        connection.autocommit = True
        clock.run("VACUUM ANALYZE", lambda: connection.execute("VACUUM ANALYZE"))
        engine = make_engine(postgres_url(spec))
        clock.run("REINDEX (rebuild_search_index)", lambda: rebuild_search_index(engine))
        engine.dispose()
        size = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return _report(clock, rows, size)


def _copy(connection, table: str, columns: tuple[str, ...], data: list) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor().copy(f"COPY {table} ({names}) FROM STDIN (FREEZE)") as copy:
        for row in data:
            copy.write_row(row)


def write_postgres_marker(spec: CorpusSpec, fingerprint: str, report: dict) -> None:
    import psycopg

    with psycopg.connect(postgres_url(spec, driver=False)) as connection:
        _write_marker(connection, "%s", fingerprint, spec, report)


# --- entry points ------------------------------------------------------------------------------


def ensure_corpora(
    spec: CorpusSpec, sqlite: bool = True, postgres: bool = True, force: bool = False
) -> dict[str, tuple[str, dict]]:
    """{"SQLite": (url, report), "PostgreSQL": (url, report)}, building only what is missing."""
    fingerprint, corpus, rows = spec.fingerprint(), Corpus(spec), None
    found: dict[str, tuple[str, dict]] = {}
    wanted = [("SQLite", sqlite), ("PostgreSQL", postgres)]
    for name, enabled in wanted:
        if not enabled:
            continue
        path = sqlite_path(spec)
        marker = read_sqlite_marker(path) if name == "SQLite" else read_postgres_marker(spec)
        url = f"sqlite:///{path}" if name == "SQLite" else postgres_url(spec)
        if marker and marker["fingerprint"] == fingerprint and not force:
            print(f"{name}: reusing the corpus at {url} ({fingerprint})", file=sys.stderr)
            upgrade_schema(url)  # a no-op unless migrations were added since the build
            rendered = render_cards(url)
            print(f"  cards rendered: {rendered:,}", file=sys.stderr)
            found[name] = (url, marker)
            continue
        if rows is None:
            print(f"generating {spec.papers:,} papers (seed {spec.seed})...", file=sys.stderr)
            rows = generate(corpus)
            print(f"  generated in {rows.seconds:.1f} s", file=sys.stderr)
        if name == "SQLite":
            report = load_sqlite(path, spec, rows)
            write_sqlite_marker(path, fingerprint, spec, report)
        else:
            report = load_postgres(spec, rows)
            write_postgres_marker(spec, fingerprint, report)
        print(f"  cards rendered: {render_cards(url):,}", file=sys.stderr)
        found[name] = (url, report)
    return found


def render_cards(url: str, processes: int = 2) -> int:
    """Render the cards that have no current fragment, as the worker would after a poll: the
    id range split between `processes`, each rendering through a read-only engine."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        total, current = fragment_counts(session)
        low, high = session.execute(select(func.min(Paper.id), func.max(Paper.id))).one()
    engine.dispose()
    if high is None:
        return 0
    step = (high - low) // processes + 1
    ranges = [
        (url, low - 1 + i * step, min(high, low - 1 + (i + 1) * step) + 1) for i in range(processes)
    ]
    print(f"  cards: {total - current:,} to render in {processes} processes", file=sys.stderr)
    started = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        rendered = sum(pool.starmap(_render_range, ranges))
    seconds = time.perf_counter() - started
    print(
        f"  cards: {rendered:,} in {seconds:.0f} s ({rendered / max(seconds, 1e-9):,.0f}/s)",
        file=sys.stderr,
    )
    return rendered


def _render_range(url: str, above_id: int, below_id: int) -> int:
    writer, reader = make_engine(url), make_engine(url, read_only=True)
    try:
        return refresh_fragments(
            make_session_factory(writer),
            read_sessions=make_session_factory(reader),
            above_id=above_id,
            below_id=below_id,
        )
    finally:
        writer.dispose()
        reader.dispose()


def describe(spec: CorpusSpec, reports: dict[str, tuple[str, dict]]) -> None:
    """Print the corpus shape and each database's build figures."""
    corpus = Corpus(spec)
    days = corpus.schedule
    print(f"corpus: {spec.papers:,} papers, {spec.authors:,} authors, {len(corpus.categories)} "
          f"categories, {len(days):,} announcement days {days[0][0]} .. {days[-1][0]} "
          f"(latest day {days[-1][1]} papers, largest {max(c for _, c in days)})")  # fmt: skip
    for band in ("rare", "medium", "common"):
        words = corpus.query_words(band)
        print(f"  query words, {band}: {len(words):,} (e.g. {', '.join(words[:4])})")
    for name, (url, report) in reports.items():
        top = ", ".join(f"{count:,}" for _, count in report["prolific"][:5])
        print(f"{name}: {url}")
        print(f"  load {report['load_s']} s = {report['papers_per_s']:,} papers/s (generation "
              f"{report['generate_s']} s, not counted); whole build {report['total_s']} s; "
              f"{report['size_mb']:,} MB; most prolific authors: {top} papers")  # fmt: skip
        for step, seconds in report["times"].items():
            if not step.startswith(("insert", "copy", "commit")):
                print(f"    {step:<46} {seconds:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--force", action="store_true", help="rebuild even if a corpus exists")
    args = parser.parse_args()
    spec = CorpusSpec(papers=args.papers, seed=args.seed)
    reports = ensure_corpora(spec, not args.no_sqlite, not args.no_postgres, args.force)
    describe(spec, reports)


if __name__ == "__main__":
    main()
