"""The built-in source catalogue: arXiv's taxonomy, top journals' feeds, bioRxiv and medRxiv.

Pure data plus lookups, below every layer: `sources add NAME`, `sources catalogue` and the web's
/sources page all read it. arXiv's names are the
official taxonomy (https://arxiv.org/category_taxonomy): 155 categories, aliases included
(cs.SY = eess.SY, math.ST = stat.TH, …), plus the archives that group them. Journal feeds are
the publishers' own feed URLs (shapes in shared/fixtures/feeds/FORMATS.md §5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ARXIV_FEED_BASE = "https://rss.arxiv.org/rss/"
BIORXIV_API = "https://api.biorxiv.org/details/"
# The shape of an arXiv archive or category id: "cs", "cs.AI", "math.AG", "hep-th", "q-bio.NC".
ARXIV_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z\-]+)?$")
# `sources defaults`: a sensible start for a CS lab.
DEFAULT_SOURCES = ("cs.AI", "cs.LG", "cs.CL")


@dataclass(frozen=True)
class CatalogueEntry:
    """One source a person can add by name."""

    name: str  # what `sources add NAME` takes: "cs.AI", "Nature", "bioRxiv Genomics"
    title: str  # what the catalogue shows: "cs.AI Artificial Intelligence"
    group: str  # "arXiv: Computer Science", "Journals: Nature Portfolio", "bioRxiv", …
    kind: str  # arxiv | rss | atom | biorxiv
    url: str

    @property
    def add_command(self) -> str:
        """The exact command that adds this entry."""
        name = self.name if re.fullmatch(r"[\w.\-+]+", self.name) else f'"{self.name}"'
        return f"academichub sources add {name}"


# Archives that group categories, with arXiv's group names.
ARXIV_ARCHIVES: tuple[tuple[str, str], ...] = (
    ("astro-ph", "Astrophysics"),
    ("cond-mat", "Condensed Matter"),
    ("cs", "Computer Science"),
    ("econ", "Economics"),
    ("eess", "Electrical Engineering and Systems Science"),
    ("math", "Mathematics"),
    ("nlin", "Nonlinear Sciences"),
    ("physics", "Physics"),
    ("q-bio", "Quantitative Biology"),
    ("q-fin", "Quantitative Finance"),
    ("stat", "Statistics"),
)
# Archives that are one category each; they sit in arXiv's Physics group.
_PHYSICS_STANDALONE = ("gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex")
_PHYSICS_STANDALONE += ("nucl-th", "quant-ph")

ARXIV_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics"),
    ("astro-ph.EP", "Earth and Planetary Astrophysics"),
    ("astro-ph.GA", "Astrophysics of Galaxies"),
    ("astro-ph.HE", "High Energy Astrophysical Phenomena"),
    ("astro-ph.IM", "Instrumentation and Methods for Astrophysics"),
    ("astro-ph.SR", "Solar and Stellar Astrophysics"),
    ("cond-mat.dis-nn", "Disordered Systems and Neural Networks"),
    ("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics"),
    ("cond-mat.mtrl-sci", "Materials Science"),
    ("cond-mat.other", "Other Condensed Matter"),
    ("cond-mat.quant-gas", "Quantum Gases"),
    ("cond-mat.soft", "Soft Condensed Matter"),
    ("cond-mat.stat-mech", "Statistical Mechanics"),
    ("cond-mat.str-el", "Strongly Correlated Electrons"),
    ("cond-mat.supr-con", "Superconductivity"),
    ("cs.AI", "Artificial Intelligence"),
    ("cs.AR", "Hardware Architecture"),
    ("cs.CC", "Computational Complexity"),
    ("cs.CE", "Computational Engineering, Finance, and Science"),
    ("cs.CG", "Computational Geometry"),
    ("cs.CL", "Computation and Language"),
    ("cs.CR", "Cryptography and Security"),
    ("cs.CV", "Computer Vision and Pattern Recognition"),
    ("cs.CY", "Computers and Society"),
    ("cs.DB", "Databases"),
    ("cs.DC", "Distributed, Parallel, and Cluster Computing"),
    ("cs.DL", "Digital Libraries"),
    ("cs.DM", "Discrete Mathematics"),
    ("cs.DS", "Data Structures and Algorithms"),
    ("cs.ET", "Emerging Technologies"),
    ("cs.FL", "Formal Languages and Automata Theory"),
    ("cs.GL", "General Literature"),
    ("cs.GR", "Graphics"),
    ("cs.GT", "Computer Science and Game Theory"),
    ("cs.HC", "Human-Computer Interaction"),
    ("cs.IR", "Information Retrieval"),
    ("cs.IT", "Information Theory"),
    ("cs.LG", "Machine Learning"),
    ("cs.LO", "Logic in Computer Science"),
    ("cs.MA", "Multiagent Systems"),
    ("cs.MM", "Multimedia"),
    ("cs.MS", "Mathematical Software"),
    ("cs.NA", "Numerical Analysis"),
    ("cs.NE", "Neural and Evolutionary Computing"),
    ("cs.NI", "Networking and Internet Architecture"),
    ("cs.OH", "Other Computer Science"),
    ("cs.OS", "Operating Systems"),
    ("cs.PF", "Performance"),
    ("cs.PL", "Programming Languages"),
    ("cs.RO", "Robotics"),
    ("cs.SC", "Symbolic Computation"),
    ("cs.SD", "Sound"),
    ("cs.SE", "Software Engineering"),
    ("cs.SI", "Social and Information Networks"),
    ("cs.SY", "Systems and Control"),
    ("econ.EM", "Econometrics"),
    ("econ.GN", "General Economics"),
    ("econ.TH", "Theoretical Economics"),
    ("eess.AS", "Audio and Speech Processing"),
    ("eess.IV", "Image and Video Processing"),
    ("eess.SP", "Signal Processing"),
    ("eess.SY", "Systems and Control"),
    ("gr-qc", "General Relativity and Quantum Cosmology"),
    ("hep-ex", "High Energy Physics - Experiment"),
    ("hep-lat", "High Energy Physics - Lattice"),
    ("hep-ph", "High Energy Physics - Phenomenology"),
    ("hep-th", "High Energy Physics - Theory"),
    ("math-ph", "Mathematical Physics"),
    ("math.AC", "Commutative Algebra"),
    ("math.AG", "Algebraic Geometry"),
    ("math.AP", "Analysis of PDEs"),
    ("math.AT", "Algebraic Topology"),
    ("math.CA", "Classical Analysis and ODEs"),
    ("math.CO", "Combinatorics"),
    ("math.CT", "Category Theory"),
    ("math.CV", "Complex Variables"),
    ("math.DG", "Differential Geometry"),
    ("math.DS", "Dynamical Systems"),
    ("math.FA", "Functional Analysis"),
    ("math.GM", "General Mathematics"),
    ("math.GN", "General Topology"),
    ("math.GR", "Group Theory"),
    ("math.GT", "Geometric Topology"),
    ("math.HO", "History and Overview"),
    ("math.IT", "Information Theory"),
    ("math.KT", "K-Theory and Homology"),
    ("math.LO", "Logic"),
    ("math.MG", "Metric Geometry"),
    ("math.MP", "Mathematical Physics"),
    ("math.NA", "Numerical Analysis"),
    ("math.NT", "Number Theory"),
    ("math.OA", "Operator Algebras"),
    ("math.OC", "Optimization and Control"),
    ("math.PR", "Probability"),
    ("math.QA", "Quantum Algebra"),
    ("math.RA", "Rings and Algebras"),
    ("math.RT", "Representation Theory"),
    ("math.SG", "Symplectic Geometry"),
    ("math.SP", "Spectral Theory"),
    ("math.ST", "Statistics Theory"),
    ("nlin.AO", "Adaptation and Self-Organizing Systems"),
    ("nlin.CD", "Chaotic Dynamics"),
    ("nlin.CG", "Cellular Automata and Lattice Gases"),
    ("nlin.PS", "Pattern Formation and Solitons"),
    ("nlin.SI", "Exactly Solvable and Integrable Systems"),
    ("nucl-ex", "Nuclear Experiment"),
    ("nucl-th", "Nuclear Theory"),
    ("physics.acc-ph", "Accelerator Physics"),
    ("physics.ao-ph", "Atmospheric and Oceanic Physics"),
    ("physics.app-ph", "Applied Physics"),
    ("physics.atm-clus", "Atomic and Molecular Clusters"),
    ("physics.atom-ph", "Atomic Physics"),
    ("physics.bio-ph", "Biological Physics"),
    ("physics.chem-ph", "Chemical Physics"),
    ("physics.class-ph", "Classical Physics"),
    ("physics.comp-ph", "Computational Physics"),
    ("physics.data-an", "Data Analysis, Statistics and Probability"),
    ("physics.ed-ph", "Physics Education"),
    ("physics.flu-dyn", "Fluid Dynamics"),
    ("physics.gen-ph", "General Physics"),
    ("physics.geo-ph", "Geophysics"),
    ("physics.hist-ph", "History and Philosophy of Physics"),
    ("physics.ins-det", "Instrumentation and Detectors"),
    ("physics.med-ph", "Medical Physics"),
    ("physics.optics", "Optics"),
    ("physics.plasm-ph", "Plasma Physics"),
    ("physics.pop-ph", "Popular Physics"),
    ("physics.soc-ph", "Physics and Society"),
    ("physics.space-ph", "Space Physics"),
    ("q-bio.BM", "Biomolecules"),
    ("q-bio.CB", "Cell Behavior"),
    ("q-bio.GN", "Genomics"),
    ("q-bio.MN", "Molecular Networks"),
    ("q-bio.NC", "Neurons and Cognition"),
    ("q-bio.OT", "Other Quantitative Biology"),
    ("q-bio.PE", "Populations and Evolution"),
    ("q-bio.QM", "Quantitative Methods"),
    ("q-bio.SC", "Subcellular Processes"),
    ("q-bio.TO", "Tissues and Organs"),
    ("q-fin.CP", "Computational Finance"),
    ("q-fin.EC", "Economics"),
    ("q-fin.GN", "General Finance"),
    ("q-fin.MF", "Mathematical Finance"),
    ("q-fin.PM", "Portfolio Management"),
    ("q-fin.PR", "Pricing of Securities"),
    ("q-fin.RM", "Risk Management"),
    ("q-fin.ST", "Statistical Finance"),
    ("q-fin.TR", "Trading and Market Microstructure"),
    ("quant-ph", "Quantum Physics"),
    ("stat.AP", "Applications"),
    ("stat.CO", "Computation"),
    ("stat.ME", "Methodology"),
    ("stat.ML", "Machine Learning"),
    ("stat.OT", "Other Statistics"),
    ("stat.TH", "Statistics Theory"),
)

# Feed URL forms per publisher (FORMATS.md §5). Atypon eTOC feeds (Science, PNAS, ACM, NEJM)
# and Cell Press's current.rss carry the current issue only.
_NATURE = "https://www.nature.com/{}.rss"
_SCIENCE = "https://www.science.org/action/showFeed?type=etoc&feed=rss&jc={}"
_CELL = "https://www.cell.com/{}/current.rss"
_PLOS = "https://journals.plos.org/{}/feed/atom"
_BMC = "https://{}.biomedcentral.com/articles/most-recent/rss.xml"
_SCIENCEDIRECT = "https://rss.sciencedirect.com/publication/science/{}"  # the ISSN
_IEEE = "https://ieeexplore.ieee.org/rss/TOC{}.XML"  # the punumber
_ACM = "https://dl.acm.org/action/showFeed?type=etoc&feed=rss&jc={}"
_APS = "https://feeds.aps.org/rss/recent/{}.xml"
_NEJM = "https://www.nejm.org/action/showFeed?jc=nejm&type=etoc&feed=rss"
_ELSEVIER = "Elsevier (ScienceDirect)"

# (name, publisher, feed URL, kind)
JOURNALS: tuple[tuple[str, str, str, str], ...] = (
    ("Nature", "Nature Portfolio", _NATURE.format("nature"), "rss"),
    ("Nature Communications", "Nature Portfolio", _NATURE.format("ncomms"), "rss"),
    ("Nature Machine Intelligence", "Nature Portfolio", _NATURE.format("natmachintell"), "rss"),
    ("Nature Computational Science", "Nature Portfolio", _NATURE.format("natcomputsci"), "rss"),
    ("Nature Physics", "Nature Portfolio", _NATURE.format("nphys"), "rss"),
    ("Nature Methods", "Nature Portfolio", _NATURE.format("nmeth"), "rss"),
    ("Nature Biotechnology", "Nature Portfolio", _NATURE.format("nbt"), "rss"),
    ("Nature Genetics", "Nature Portfolio", _NATURE.format("ng"), "rss"),
    ("Nature Medicine", "Nature Portfolio", _NATURE.format("nm"), "rss"),
    ("Nature Neuroscience", "Nature Portfolio", _NATURE.format("neuro"), "rss"),
    ("Nature Chemistry", "Nature Portfolio", _NATURE.format("nchem"), "rss"),
    ("Nature Materials", "Nature Portfolio", _NATURE.format("nmat"), "rss"),
    ("Nature Photonics", "Nature Portfolio", _NATURE.format("nphoton"), "rss"),
    ("Nature Nanotechnology", "Nature Portfolio", _NATURE.format("nnano"), "rss"),
    ("Nature Human Behaviour", "Nature Portfolio", _NATURE.format("nathumbehav"), "rss"),
    ("Nature Climate Change", "Nature Portfolio", _NATURE.format("nclimate"), "rss"),
    ("Scientific Reports", "Nature Portfolio", _NATURE.format("srep"), "rss"),
    ("Science", "Science (AAAS)", _SCIENCE.format("science"), "rss"),
    ("Science Advances", "Science (AAAS)", _SCIENCE.format("sciadv"), "rss"),
    ("Science Robotics", "Science (AAAS)", _SCIENCE.format("scirobotics"), "rss"),
    ("Science Translational Medicine", "Science (AAAS)", _SCIENCE.format("stm"), "rss"),
    ("Science Immunology", "Science (AAAS)", _SCIENCE.format("sciimmunol"), "rss"),
    ("Cell", "Cell Press", _CELL.format("cell"), "rss"),
    ("Neuron", "Cell Press", _CELL.format("neuron"), "rss"),
    ("Cell Reports", "Cell Press", _CELL.format("cell-reports"), "rss"),
    ("Cell Systems", "Cell Press", _CELL.format("cell-systems"), "rss"),
    ("Cell Genomics", "Cell Press", _CELL.format("cell-genomics"), "rss"),
    ("Patterns", "Cell Press", _CELL.format("patterns"), "rss"),
    ("Joule", "Cell Press", _CELL.format("joule"), "rss"),
    ("PNAS", "PNAS", "https://www.pnas.org/action/showFeed?type=etoc&feed=rss&jc=pnas", "rss"),
    ("PLOS ONE", "PLOS", _PLOS.format("plosone"), "atom"),
    ("PLOS Biology", "PLOS", _PLOS.format("plosbiology"), "atom"),
    ("PLOS Computational Biology", "PLOS", _PLOS.format("ploscompbiol"), "atom"),
    ("PLOS Medicine", "PLOS", _PLOS.format("plosmedicine"), "atom"),
    ("PLOS Genetics", "PLOS", _PLOS.format("plosgenetics"), "atom"),
    ("Genome Biology", "Springer Nature (BMC)", _BMC.format("genomebiology"), "rss"),
    ("BMC Bioinformatics", "Springer Nature (BMC)", _BMC.format("bmcbioinformatics"), "rss"),
    ("BMC Biology", "Springer Nature (BMC)", _BMC.format("bmcbiol"), "rss"),
    ("Artificial Intelligence", _ELSEVIER, _SCIENCEDIRECT.format("00043702"), "rss"),
    ("Neural Networks", _ELSEVIER, _SCIENCEDIRECT.format("08936080"), "rss"),
    ("Pattern Recognition", _ELSEVIER, _SCIENCEDIRECT.format("00313203"), "rss"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "IEEE", _IEEE.format(34),
     "rss"),
    ("IEEE Transactions on Neural Networks and Learning Systems", "IEEE", _IEEE.format(5962385),
     "rss"),
    ("IEEE Transactions on Information Theory", "IEEE", _IEEE.format(18), "rss"),
    ("Proceedings of the IEEE", "IEEE", _IEEE.format(5), "rss"),
    ("Communications of the ACM", "ACM", _ACM.format("cacm"), "rss"),
    ("Journal of the ACM", "ACM", _ACM.format("jacm"), "rss"),
    ("ACM Computing Surveys", "ACM", _ACM.format("csur"), "rss"),
    ("The New England Journal of Medicine", "Medicine", _NEJM, "rss"),
    ("The Lancet", "Medicine", "https://www.thelancet.com/rssfeed/lancet_current.xml", "rss"),
    ("Physical Review Letters", "American Physical Society", _APS.format("prl"), "rss"),
    ("Physical Review X", "American Physical Society", _APS.format("prx"), "rss"),
)  # fmt: skip

BIORXIV_SUBJECTS: tuple[str, ...] = (
    "Animal Behavior and Cognition", "Biochemistry", "Bioengineering", "Bioinformatics",
    "Biophysics", "Cancer Biology", "Cell Biology", "Developmental Biology", "Ecology",
    "Evolutionary Biology", "Genetics", "Genomics", "Immunology", "Microbiology",
    "Molecular Biology", "Neuroscience", "Paleontology", "Pathology",
    "Pharmacology and Toxicology", "Physiology", "Plant Biology",
    "Scientific Communication and Education", "Synthetic Biology", "Systems Biology", "Zoology",
)  # fmt: skip

MEDRXIV_SUBJECTS: tuple[str, ...] = (
    "Addiction Medicine", "Allergy and Immunology", "Anesthesia", "Cardiovascular Medicine",
    "Dentistry and Oral Medicine", "Dermatology", "Emergency Medicine",
    "Endocrinology (including Diabetes Mellitus and Metabolic Disease)", "Epidemiology",
    "Forensic Medicine", "Gastroenterology and Hepatology", "Genetic and Genomic Medicine",
    "Geriatric Medicine", "Health Economics", "Health Informatics", "Health Policy",
    "Health Systems and Quality Improvement", "Hematology", "HIV/AIDS",
    "Infectious Diseases (except HIV/AIDS)", "Intensive Care and Critical Care Medicine",
    "Medical Education", "Medical Ethics", "Nephrology", "Neurology", "Nursing", "Nutrition",
    "Obstetrics and Gynecology", "Occupational and Environmental Health", "Oncology",
    "Ophthalmology", "Orthopedics", "Otolaryngology", "Pain Medicine", "Palliative Medicine",
    "Pathology", "Pediatrics", "Pharmacology and Therapeutics", "Primary Care Research",
    "Psychiatry and Clinical Psychology", "Public and Global Health", "Radiology and Imaging",
    "Rehabilitation Medicine and Physical Therapy", "Respiratory Medicine", "Rheumatology",
    "Sexual and Reproductive Health", "Sports Medicine", "Surgery", "Toxicology",
    "Transplantation", "Urology",
)  # fmt: skip


def subject_slug(subject: str) -> str:
    """bioRxiv's `category` value: lower case, words joined by "_" ("cancer_biology")."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"\(.*?\)", "", subject).lower())
    return "_".join(words)


def preprint_subject_url(server: str, subject: str) -> str:
    """The details-API URL of one subject's last 7 days, the form app.ingest.biorxiv pages
    through (it adds the dates and the cursor)."""
    return f"{BIORXIV_API}{server}/7d?category={subject_slug(subject)}"


@lru_cache(maxsize=1)
def catalogue() -> tuple[CatalogueEntry, ...]:
    """Every built-in source: arXiv archives and categories, journals, preprint subjects."""
    groups = dict(ARXIV_ARCHIVES)
    arxiv = [_arxiv(code, f"{code} {name} (whole archive)", name) for code, name in ARXIV_ARCHIVES]
    for code, name in ARXIV_CATEGORIES:
        arxiv.append(_arxiv(code, f"{code} {name}", groups.get(code.split(".")[0], "Physics")))
    # Each arXiv group together: its whole-archive feed first, then its categories.
    entries = sorted(arxiv, key=lambda e: (e.group, "(whole archive)" not in e.title, e.name))
    for name, publisher, url, kind in JOURNALS:
        entries.append(CatalogueEntry(name, name, f"Journals: {publisher}", kind, url))
    for server, label, subjects in (
        ("biorxiv", "bioRxiv", BIORXIV_SUBJECTS),
        ("medrxiv", "medRxiv", MEDRXIV_SUBJECTS),
    ):
        for subject in subjects:
            name = f"{label} {subject}"
            url = preprint_subject_url(server, subject)
            entries.append(CatalogueEntry(name, name, label, "biorxiv", url))
    return tuple(entries)


def _arxiv(code: str, title: str, group: str) -> CatalogueEntry:
    return CatalogueEntry(code, title, f"arXiv: {group}", "arxiv", ARXIV_FEED_BASE + code)


@lru_cache(maxsize=1)
def _by_name() -> dict[str, CatalogueEntry]:
    return {entry.name.casefold(): entry for entry in catalogue()}


def find_entry(name: str) -> CatalogueEntry | None:
    """The entry called `name` (any case: "nature", "cs.ai"), or None."""
    return _by_name().get(" ".join(name.split()).casefold())


def is_arxiv_code(code: str) -> bool:
    """Whether `code` is an arXiv archive or category of the taxonomy (exact case)."""
    entry = _by_name().get(code.casefold())
    return entry is not None and entry.kind == "arxiv" and entry.name == code
