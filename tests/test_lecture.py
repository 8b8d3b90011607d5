"""Lecteurs : encodages, séparateurs, virgules décimales, dates, .xlsx, erreurs claires."""

import pandas as pd
import pytest

from analyse.donnees.lecture import (
    ErreurDonnees,
    convertir_dates,
    convertir_entiers,
    convertir_nombres,
    decoder,
    detecter_separateur,
    lire_table,
    normaliser_entete,
)

CONTENU = "Structure_ID ;Nom;Population\n00123;Mairie de Béziers-lès-Zorgues;1 234\n00124;Île-Vorlange;NC\n"


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_encodages_et_separateurs(tmp_path, encodage, sep):
    chemin = tmp_path / "participants.csv"
    chemin.write_bytes(CONTENU.replace(";", sep).encode(encodage))
    table = lire_table(chemin)
    assert table.separateur == sep
    assert list(table.donnees.columns) == ["structure_id", "nom", "population"]
    assert table.donnees["nom"].tolist() == ["Mairie de Béziers-lès-Zorgues", "Île-Vorlange"]
    assert table.donnees["structure_id"].tolist() == ["00123", "00124"]  # zéros conservés
    assert table.donnees["population"].isna().tolist() == [False, True]  # NC = absent
    assert table.entete("structure_id") == "Structure_ID"


def test_encodage_cp1252_detecte():
    texte, encodage = decoder("Mairie d'Évry".encode("cp1252"), "f.csv")
    assert (texte, encodage) == ("Mairie d'Évry", "cp1252")
    assert decoder("\ufeffé".encode("utf-8"), "f.csv") == ("é", "utf-8")


def test_encodage_illisible_dit_la_ligne(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_bytes(b"a;b\n1;2\n3;\x81\n")
    with pytest.raises(ErreurDonnees, match="ligne 3.*0x81"):
        lire_table(chemin)


def test_utf16_refuse(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_bytes("a;b\n".encode("utf-16"))
    with pytest.raises(ErreurDonnees, match="UTF-16"):
        lire_table(chemin)


@pytest.mark.parametrize("valeur", ["", "NA", "n/a", "Sans objet", "SANS OBJET", " nc "])
def test_valeurs_absentes(tmp_path, valeur):
    chemin = tmp_path / "x.csv"
    chemin.write_text(f"a;b\n1;{valeur}\n", encoding="utf-8")
    assert lire_table(chemin).donnees["b"].isna().all()


def test_numeros_de_ligne_avec_lignes_vides_et_textes_multilignes(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text('id;texte\n1;"a\nb"\n\n2;c\n3;"d;e"\n', encoding="utf-8")
    table = lire_table(chemin)
    assert table.lignes.tolist() == [2, 5, 6]
    assert table.donnees["texte"].tolist() == ["a\nb", "c", "d;e"]


def test_entetes_sans_accents_ni_casse():
    assert normaliser_entete(" Année ") == "annee"
    assert normaliser_entete("Note_Accessibilité") == "note_accessibilite"


def test_entete_en_double(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("Nom;nom\n1;2\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="double"):
        lire_table(chemin)


def test_separateur_detecte_sur_l_entete():
    assert detecter_separateur("a,b,c\n1;2") == ","
    assert detecter_separateur('"x;y",b,c\n') == ","


def test_nombres_decimales_et_milliers():
    valeurs, invalides = convertir_nombres(
        pd.Series(["3,5", "3.5", "1 234", "1\u00a0234,5", "12\u202f000", None, "abc"])
    )
    assert valeurs.tolist()[:5] == [3.5, 3.5, 1234.0, 1234.5, 12000.0]
    assert invalides.tolist() == [False] * 6 + [True]


def test_entiers_bornes():
    valeurs, invalides = convertir_entiers(pd.Series(["0", "10", "11", "2,5", "-1"]), 0, 10)
    assert invalides.tolist() == [False, False, True, True, True]
    assert valeurs.iloc[1] == 10


def test_dates_deux_formats():
    dates, invalides = convertir_dates(
        pd.Series(["03/10/2022", "2022-10-03", "31/02/2020", "2022-13-01", "hier", None])
    )
    assert dates.iloc[0] == dates.iloc[1] == pd.Timestamp("2022-10-03")
    assert invalides.tolist() == [False, False, True, True, True, False]


def test_xlsx(tmp_path):
    chemin = tmp_path / "audits.xlsx"
    pd.DataFrame(
        {
            "ID_contact": ["00007", "A2"],
            "Vague": [1, 2],
            "Date_contact": pd.to_datetime(["2022-10-03", "2022-10-04"]),
            "Nombre": [2.5, None],
            "Texte": ["Très bien", "Sans objet"],
        }
    ).to_excel(chemin, index=False)
    table = lire_table(chemin)
    d = table.donnees
    assert d["id_contact"].tolist() == ["00007", "A2"]
    assert d["vague"].tolist() == ["1", "2"]
    assert d["date_contact"].tolist() == ["2022-10-03", "2022-10-04"]
    assert d["nombre"].iloc[0] == "2.5" and pd.isna(d["nombre"].iloc[1])
    assert d["texte"].tolist()[0] == "Très bien" and pd.isna(d["texte"].iloc[1])
    assert table.lignes.tolist() == [2, 3]


def test_fichier_introuvable_et_vide(tmp_path):
    with pytest.raises(ErreurDonnees, match="introuvable"):
        lire_table(tmp_path / "absent.csv")
    (tmp_path / "vide.csv").write_bytes(b"")
    with pytest.raises(ErreurDonnees, match="vide"):
        lire_table(tmp_path / "vide.csv")


def test_ligne_mal_formee(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("a;b\n1;2\n1;2;3;4\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="ligne 3"):
        lire_table(chemin)


def test_message_en_francais_nomme_fichier_ligne_colonne():
    message = str(ErreurDonnees("raw/2022/grille.csv", "code inconnu « tel »", ligne=12, colonne="canal"))
    assert message == (
        "Erreur de données — fichier « raw/2022/grille.csv », ligne 12, colonne « canal » : code inconnu « tel »"
    )


# --- issue 12 : fichiers réels hostiles ----------------------------------------------------


def test_cellule_enorme_avec_guillemets(tmp_path):
    chemin = tmp_path / "x.csv"
    enorme = "é" * 200_000
    chemin.write_text(f'a;b\n1;"{enorme}"\n"2";"deux\nlignes"\n3;x\n', encoding="utf-8")
    table = lire_table(chemin)
    assert table.donnees["b"].str.len().tolist() == [200_000, 11, 1]
    assert table.lignes.tolist() == [2, 3, 5]


@pytest.mark.parametrize("entete", ["id;x;x", "id;x;X ", '"id";"x";"x"'])
def test_entetes_exactement_dupliques(tmp_path, entete):
    chemin = tmp_path / "x.csv"
    chemin.write_text(f"{entete}\n1;2;3\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="colonne en double") as erreur:
        lire_table(chemin)
    assert erreur.value.ligne == 1


def test_entetes_dupliques_xlsx(tmp_path):
    chemin = tmp_path / "x.xlsx"
    pd.DataFrame([["1", "2", "3"]], columns=["id", "x", "y"]).rename(columns={"y": "x"}).to_excel(chemin, index=False)
    with pytest.raises(ErreurDonnees, match="colonne en double"):
        lire_table(chemin)


@pytest.mark.parametrize(
    "contenu, ligne",
    [
        ("a;b;c\n1;2;3\n4;5\n", 3),
        ('a;b;c\n1;"2\n2";3\n4;5\n', 4),
        ("a;b;c\n7\n", 2),
    ],
)
def test_lignes_trop_courtes_jamais_completees(tmp_path, contenu, ligne):
    chemin = tmp_path / "x.csv"
    chemin.write_text(contenu, encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="trop courte") as erreur:
        lire_table(chemin)
    assert erreur.value.ligne == ligne


@pytest.mark.parametrize("contenu", ["a;b\n1;2;\n", "a;b\n1;2;3\n3;4\n"])
def test_lignes_trop_longues_jamais_decalees(tmp_path, contenu):
    chemin = tmp_path / "x.csv"
    chemin.write_text(contenu, encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="trop longue") as erreur:
        lire_table(chemin)
    assert erreur.value.ligne == 2


def test_colonne_sans_entete_vide_ignoree_pleine_refusee(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("a;b;\n1;2;\n3;4;\n", encoding="utf-8")
    assert lire_table(chemin).donnees.columns.tolist() == ["a", "b"]
    chemin.write_text("a;b;\n1;2;\n3;4;5\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="en-tête vide en position 3"):
        lire_table(chemin)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_sans_bom_detecte(tmp_path, codec):
    chemin = tmp_path / "x.csv"
    chemin.write_bytes("structure_id;nom\n001;Mairie\n".encode(codec))
    with pytest.raises(ErreurDonnees, match="UTF-16.*sans BOM.*UTF-8"):
        lire_table(chemin)


def test_octet_nul_refuse(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_bytes(b"a;b\n1;2\n3;\x004\n")
    with pytest.raises(ErreurDonnees, match="octet nul") as erreur:
        lire_table(chemin)
    assert erreur.value.ligne == 3


def test_lignes_blanches_avant_l_entete(tmp_path):
    chemin = tmp_path / "x.csv"
    for contenu in ("\n\na;b\n1;2\n", '\r\n  \r\n"a";"b"\r\n1;"2"\r\n'):
        chemin.write_text(contenu, encoding="utf-8", newline="")
        table = lire_table(chemin)
        assert table.donnees.columns.tolist() == ["a", "b"] and table.donnees.values.tolist() == [["1", "2"]]
        assert table.lignes.tolist() == [4]


def test_retours_chariot_isoles(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_bytes(b"a;b\r1;2\r3;4\r")  # fin de ligne des anciens Mac
    assert lire_table(chemin).donnees.values.tolist() == [["1", "2"], ["3", "4"]]
    chemin.write_bytes(b"a;b\r\n1;x\ry\r\n")  # retour chariot égaré dans une cellule : pas de décalage
    with pytest.raises(ErreurDonnees, match="trop courte"):
        lire_table(chemin)
