"""Gabarits Jinja2 : échappement automatique, tableaux accessibles, gabarits tous compilables."""

from __future__ import annotations

import pandas as pd

from analyse.rapports import gabarits, palmares

PIEGE = '<script>alert("x")</script>'


def test_tous_les_gabarits_se_compilent():
    noms = gabarits.environnement().list_templates()
    assert "tableau.html.j2" in noms and any(n.startswith("fiche_") for n in noms)
    for nom in noms:
        gabarits.environnement().get_template(nom)


def test_tableau_accessible_et_echappe():
    df = pd.DataFrame({"Structure": [PIEGE], "Score": [71.25], "Lien": ["https://exemple.fr/?a=1&b=<2>"]})
    contenu = str(gabarits.tableau_html(df, f"Légende {PIEGE}", source="Source", colonnes_url=("Lien",), note="Note"))
    assert "<script>" not in contenu
    assert contenu.count("&lt;script&gt;") == 3  # cellule, légende et nom de la boîte défilante
    assert contenu.startswith('<div class="tableau" role="group" aria-label="Légende &lt;script&gt;')
    assert "<table><caption>Légende &lt;script&gt;" in contenu
    assert contenu.index("</caption>") < contenu.index("<thead>")  # la légende est dans le tableau
    assert contenu.count('<th scope="col">') == 3
    assert '<th scope="row">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</th>' in contenu
    assert '<td class="nombre">71,2</td>' in contenu
    assert 'href="https://exemple.fr/?a=1&amp;b=&lt;2&gt;"' in contenu
    assert contenu.index('<p class="note">Note</p>') > contenu.index("</table>")


def test_tableau_sans_entete_de_ligne():
    contenu = str(gabarits.tableau_html(pd.DataFrame({"Année": [2022]}), "T", entete_ligne=False))
    assert 'scope="row"' not in contenu and '<td class="nombre">2' in contenu


def test_palmares_echappe_les_noms():
    categories = pd.DataFrame({"categorie": ["Communes"], "n_structures": [12], "score_moyen": [66.0]})
    laureats = pd.DataFrame(
        {
            "categorie": ["Communes"],
            "rang": [1],
            "nom": [PIEGE],
            "score": [80.0],
            "ic_bas": [78.0],
            "ic_haut": [82.0],
            "rang_bas": [1],
            "rang_haut": [3],
        }
    )
    contenu = str(palmares.bloc_palmares({"categories": categories, "laureats": laureats}, "Source"))
    assert "<script>" not in contenu and "&lt;script&gt;" in contenu
    assert "<caption>Communes (12 structures, moyenne 66,0)</caption>" in contenu
    assert "1er à 3e" in contenu


def test_filtres_francais_dans_un_gabarit():
    gabarit = gabarits.environnement().from_string(
        "{{ x | nombre_fr }} {{ p | pourcent_fr }} {{ b | intervalle_fr(h) }} {{ e | ecart_fr }} {{ x | points }}"
    )
    assert (
        gabarit.render(x=68.46, p=0.5, b=1, h=2, e=-1.26)
        == "68,5 50,0\u202f% [1,0\u202f; 2,0] -1,3 68,5 points sur 100"
    )


def test_extraits_du_suivi_echappes_et_plafonnes():
    from analyse.rapports import suivi

    long = PIEGE + " " + "réclamation restée sans réponse " * 20
    s = pd.DataFrame(
        {
            "date_signal": pd.to_datetime(["2022-06-01"]),
            "polarite": ["negatif"],
            "source": ["elu"],
            "determinant": ["attente"],
            "texte": [long],
        }
    )
    contenu = str(suivi.extraits({"signaux": s}))
    assert "<script>" not in contenu and "&lt;script&gt;" in contenu
    cite = contenu.split("<q>")[1].split("</q>")[0].replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
    assert cite.endswith("…") and len(cite) <= suivi.LONGUEUR_EXTRAIT
    assert long.startswith(cite[:-1]) and long[len(cite) - 1] == " "  # coupé entre deux mots
