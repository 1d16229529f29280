"""Text normalisation: TeX outside math, entities once, whitespace, match keys, creators, DOIs."""

from __future__ import annotations

import pytest

from app.schemas import AuthorRecord
from app.text import author_match_key, clean_text, normalise_doi, split_arxiv_creators


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Names as rss.arxiv.org's dc:creator carries them (2024-11-28 all-archives fixture).
        (r"Benjamin R\'emy", "Benjamin Rémy"),
        (r"Nikola Pi\v{z}urica", "Nikola Pižurica"),
        (r"J\"org F. Unger", "Jörg F. Unger"),
        (r"Anders S{\o}gaard", "Anders Søgaard"),
        (r"Przemys{\l}aw Olbratowski", "Przemysław Olbratowski"),
        (r"Marta {\L}uksza", "Marta Łuksza"),
        (r"Jaros{\l}aw \.Zygierewicz", "Jarosław Żygierewicz"),
        (r"Serdar Kad{\i}o\u{g}lu", "Serdar Kadıoğlu"),
        (r"Gu{\dh}mundur K. Stef\'ansson", "Guðmundur K. Stefánsson"),
        (r"\"Ozen\c{c} G\"ung\"or", "Özenç Güngör"),
        (r"Sofie Castro Holb{\ae}k", "Sofie Castro Holbæk"),
        (r"Rasmus Mar{\aa}k", "Rasmus Maråk"),
        (r"Maciej Zi\k{e}ba", "Maciej Zięba"),
        (r"Jos\'e Fernando N\'u\~nez", "José Fernando Núñez"),
        (r"Simone T\^etu", "Simone Têtu"),
        (r"Erd\H{o}s-Szekeres", "Erdős-Szekeres"),
        (r"C\u{a}t\u{a}lin", "Cătălin"),
        (r"Fran\c{c}oise", "Françoise"),
        (r"Maru\v si\v c", "Marušič"),
        # Every accent spelling: bare, braced argument, braced group, dotless i.
        (r"{\'e}t\'{e}", "été"),
        (r"\=a \.z \r{a} \d{s}", "ā ż å ṣ"),
        (r"Lema\^{\i}tre", "Lemaître"),
        (r"Stra\ss e, \AA{}ngstr\"om, \O stergaard", "Straße, Ångström, Østergaard"),
        (r"6200\AA is due", "6200Å is due"),
        # Escapes, quotes, dashes, braces.
        (r"Attributes \& Preferences", "Attributes & Preferences"),
        (r"less than 50\% CPU, \#141, \$5", "less than 50% CPU, #141, $5"),
        ("we dub ``iterative CBS'' (iCBS)", "we dub “iterative CBS” (iCBS)"),
        ("Young--Fibonacci lattice", "Young–Fibonacci lattice"),
        ("Operating System -- a Review", "Operating System – a Review"),
        ("pages 3---5", "pages 3—5"),
        ("pass --help or x-->y", "pass --help or x-->y"),
        ("{BERT} and {{GPT}}", "BERT and GPT"),
        (r"va\-lues", "values"),
        (r"245\textendash8800 MHz", "245–8800 MHz"),
        # arXiv's braced Unicode stand-ins and pure formatting.
        (r"consistent with {\Lambda}CDM at 360{\deg}", "consistent with ΛCDM at 360°"),
        (r"Metastable \beta-CuGaO2", "Metastable β-CuGaO2"),
        (r"DiVincenzo {\it et al}. in \emph{Schr\"odinger}", "DiVincenzo et al. in Schrödinger"),
        (r"the \textbf{\underline{Ca}}usal", "the Causal"),
        # Unknown commands and their arguments stay as written.
        (r"\href{https://github.com/a--b}{here}", r"\href{https://github.com/a--b}{here}"),
        (r"\cite{BCPR} and {\small FEGA}", r"\cite{BCPR} and FEGA"),
        (r"Re examination of \b{eta} decay", r"Re examination of \b{eta} decay"),
        (r"x_{ij} and V_max", r"x_{ij} and V_max"),
    ],
)
def test_clean_text_decodes_tex_outside_math(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "math",
    [
        r"$\alpha$",
        r"$1\times1$",
        r"\(\times\)",
        r"$$\frac{a}{b} -- \'e$$",
        r"\[x^{2}\]",
        r"$\{1, \dots, n\}$",
        r"\begin{equation*} \left\{ a--b \right. \end{equation*}",
    ],
)
def test_clean_text_keeps_math_verbatim(math: str) -> None:
    assert clean_text(f"before {math} after --- {{X}}") == f"before {math} after — X"


def test_clean_text_decodes_entities_exactly_once() -> None:
    # XML parsing already turned "\&amp;" into "\&"; a second level of entities is decoded once.
    assert clean_text(r"Attributes \&amp; Preferences") == "Attributes & Preferences"
    assert clean_text("a &lt; b &amp;amp; c") == "a < b &amp; c"
    assert clean_text("R&D &para x") == "R&D &para x"


def test_clean_text_collapses_legacy_hard_wrapping_and_normalises_nfc() -> None:
    wrapped = (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in\n"
        "  Long-Horizon Tasks"
    )
    assert clean_text(wrapped) == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert clean_text("  Caf\u0065\u0301\n") == "Caf\u00e9"
    assert clean_text(" \n ") is None
    assert clean_text(None) is None


def test_clean_text_repairs_utf8_read_as_latin1() -> None:
    # As in the recorded new-backend API pages: "JosÃ© RaÃºl Romero", "$Î\x98(\sqrt{n})$".
    assert clean_text("JosÃ© RaÃºl Romero") == "José Raúl Romero"
    assert clean_text("Oliver WeiÃ\x9fl") == "Oliver Weißl"
    assert clean_text("$Î\x98(\\sqrt{n})$") == "$Θ(\\sqrt{n})$"
    assert clean_text("itâ€™s") == "it’s"
    assert clean_text("São Paulo, Zürich, «naïve»") == "São Paulo, Zürich, «naïve»"


def test_author_match_key_folds_case_accents_and_punctuation() -> None:
    keys = {
        author_match_key(name)
        for name in ("José Martínez-García", "jose martinez-garcia", "Jose  Martinez Garcia")
    }
    assert keys == {"jose martinez garcia"}
    assert author_match_key("Zichen Li") != author_match_key("Zichen Liu")
    assert author_match_key("Anders Søgaard") == author_match_key("Anders Sogaard")
    assert author_match_key("Przemysław Olbratowski") == "przemyslaw olbratowski"
    assert author_match_key("Oliver Weißl") == author_match_key("Oliver Weissl")
    assert author_match_key("J. C. Martínez") == "j c martinez"
    assert author_match_key(r"Benjamin R\'emy") == author_match_key("Benjamin Rémy")


def test_split_creators_keeps_affiliations_apart() -> None:
    creator = (
        r"Mohammed Riadh Berramdane (IFPEN), Alexandre Battiston (IFPEN), Michele Bardi (IFPEN), "
        r"Nicolas Blet (LEMTA), Benjamin R\'emy (LEMTA), Matthieu Urbain (LEMTA)"
    )
    authors = split_arxiv_creators(creator)
    assert [a.name for a in authors] == [
        "Mohammed Riadh Berramdane",
        "Alexandre Battiston",
        "Michele Bardi",
        "Nicolas Blet",
        "Benjamin Rémy",
        "Matthieu Urbain",
    ]
    assert [a.affiliation for a in authors] == ["IFPEN"] * 3 + ["LEMTA"] * 3


def test_split_creators_never_splits_inside_parentheses() -> None:
    creator = (
        "Aleteia Araujo (University of Brasilia Brazil, The University of Melbourne Australia), "
        "Breno Costa (University of Brasilia Brazil), Joao Bachiega Jr (University of Brasilia "
        "Brazil), Leonardo R. Carvalho (University of Brasilia Brazil), Rajkumar Buyya (The "
        "University of Melbourne Australia)"
    )
    authors = split_arxiv_creators(creator)
    assert len(authors) == 5
    assert authors[0] == AuthorRecord(
        name="Aleteia Araujo",
        affiliation="University of Brasilia Brazil, The University of Melbourne Australia",
    )
    assert authors[2].name == "Joao Bachiega Jr"


def test_split_creators_nested_parentheses_and_and_form() -> None:
    authors = split_arxiv_creators("A. One (Lab (X), Univ Y), B. Two,  , C. Three and D. Four")
    assert [(a.name, a.affiliation) for a in authors] == [
        ("A. One", "Lab (X), Univ Y"),
        ("B. Two", None),
        ("C. Three", None),
        ("D. Four", None),
    ]
    assert split_arxiv_creators("") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.3847/1538-4357/ad8659 10.3847/1538-4357/ad8659", "10.3847/1538-4357/ad8659"),
        ("https://doi.org/10.1103/PhysRevD.110.104001", "10.1103/physrevd.110.104001"),
        ("http://dx.doi.org/10.1016/J.PHYSLETB.2003.08.045", "10.1016/j.physletb.2003.08.045"),
        ("doi:10.1145/3395363.3397376.", "10.1145/3395363.3397376"),
        ("https://doi.org/10.1000%2Fabc", "10.1000/abc"),
        ("arXiv:2411.17700", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_doi(raw: str | None, expected: str | None) -> None:
    assert normalise_doi(raw) == expected
