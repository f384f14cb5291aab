"""What people fill in: one factory per form with sensible answers, overridable per scenario.

Each returns a fresh dict, so a scenario states only what differs: `checklist(eenmalig_incident=True)`.
"""

from __future__ import annotations

from typing import Any

CLIENT_NAME = "Jan Jansen"
CLIENT_BSN = "111222333"


def _with(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    data = {**base, **overrides}
    return {k: v for k, v in data.items() if v is not None}


def melding(**overrides: Any) -> dict[str, Any]:
    """The client's own request for help, with two household members."""
    return _with(
        {
            "ingang": "client_verzoek",
            "client": {"naam": CLIENT_NAME, "bsn": CLIENT_BSN, "geboortedatum": "1980-04-01"},
            "aanleiding": "Huurachterstand, schulden en schoolverzuim van de zoon; eerder hulp afgebroken.",
            "gezinsleden": [
                {"naam": "Piet Jansen", "relatie": "kind", "geboortedatum": "2012-02-02"},
                {"naam": "Anna Jansen", "relatie": "partner"},
            ],
        },
        overrides,
    )


def checklist(**overrides: Any) -> dict[str, Any]:
    """Ongoing, recurring, related problems on several domains including the social domain."""
    return _with(
        {
            "problemen_sociaal_domein": ["schulden", "jeugd"],
            "problemen_aanpalende_domeinen": ["wonen", "onderwijs"],
            "samenhang": True,
            "voortdurend": True,
            "terugkerend": True,
            "eenmalig_incident": False,
            "reguliere_hulp_volstaat": False,
            "eerdere_weigering": False,
        },
        overrides,
    )


def besluit(**overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "beoordeling_besluit": "ja",
            "beoordeling_motivering": "Schulden, huurachterstand en verzuim hangen samen en keren terug.",
        },
        overrides,
    )


def informeren(**overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "client_geinformeerd": True,
            "wijze_informeren": "huisbezoek",
            "datum_geinformeerd": "2027-01-10",
            "clientondersteuning_aangeboden": True,
            "clientondersteuning_gebruikt": "ja",
            "clientondersteuner_organisatie": "MEE",
        },
        overrides,
    )


def toestemming(**overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "toestemming": "ja",
            "uitgesloten_domeinen": [],
            "uitgesloten_categorieen": [],
            "gevolgen_besproken": True,
        },
        overrides,
    )


def gezinslid(deelname: bool = True, **overrides: Any) -> dict[str, Any]:
    return _with({"gezinslid_geinformeerd": True, "deelname": deelname}, overrides)


def onderzoek_opzet(*partijen: str, **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "partijen": list(partijen),
            "onderzoeksvraag": "Wat speelt er en wie kan wat doen?",
            "reikwijdte_gecontroleerd": True,
        },
        overrides,
    )


def verzoek(*categorieen: str, **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "doel": "Zicht op de samenhang van schulden, wonen en zorg",
            "noodzaak": "Zonder deze gegevens kan het plan niet worden opgesteld",
            "gevraagde_categorieen": list(categorieen or ("general",)),
        },
        overrides,
    )


def antwoord(**overrides: Any) -> dict[str, Any]:
    """A party shares general information."""
    return _with(
        {
            "besluit": "delen",
            "informatie_algemeen": "Bekend sinds 2022",
            "nadere_voorwaarden_gesteld": False,
            "gegevens_juist_actueel": True,
        },
        overrides,
    )


def antwoord_handhavend(**overrides: Any) -> dict[str, Any]:
    """A party with an enforcement role shares under conditions on further use."""
    return _with(
        {
            "gebruiksvoorwaarden_aanvaard": True,
            "besluit": "delen",
            "informatie_wonen": "Huurachterstand van drie maanden",
            "nadere_voorwaarden_gesteld": True,
            "nadere_voorwaarden": "Alleen voor het plan van aanpak, niet voor ontruiming",
            "gegevens_juist_actueel": True,
        },
        overrides,
    )


def medisch_niet_delen(**overrides: Any) -> dict[str, Any]:
    """The doctor weighs the five steps and finds no ground to break confidentiality."""
    return _with(
        {
            "stap1_toestemming": "nee",
            "stap2_wettelijk_voorschrift": False,
            "stap3_vitaal_belang": False,
            "stap4_conflict_van_plichten": False,
            "stap5_goed_hulpverlenerschap": False,
            "grond": "geen",
            "besluit": "niet_delen",
            "motivering": "Geen toestemming en geen doorbrekingsgrond.",
            "nadere_voorwaarden_gesteld": False,
        },
        overrides,
    )


def medisch_delen(**overrides: Any) -> dict[str, Any]:
    """The client consented: the doctor shares part of the health information."""
    return _with(
        {
            "stap1_toestemming": "ja",
            "stap2_wettelijk_voorschrift": False,
            "stap3_vitaal_belang": False,
            "stap4_conflict_van_plichten": False,
            "stap5_goed_hulpverlenerschap": False,
            "grond": "toestemming",
            "besluit": "gedeeltelijk_delen",
            "motivering": "Cliënt gaf toestemming voor beperkte informatie.",
            "informatie_gezondheid": "In behandeling voor depressieve klachten",
            "nadere_voorwaarden_gesteld": False,
        },
        overrides,
    )


def conclusie(**overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "conclusie": "Samenhangende problemen; een gecoördineerde aanpak is nodig.",
            "vervolg": "aanpak",
            "casusoverleg_nodig": False,
        },
        overrides,
    )


def casusoverleg(*partijen: str, **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "datum_overleg": "2027-02-01",
            "deelnemende_partijen": list(partijen),
            "client_aanwezig": True,
            "clientondersteuner_aanwezig": True,
            "need_to_know_toegepast": True,
            "afspraken": "Schuldhulp start; woningcorporatie schort ontruiming op.",
        },
        overrides,
    )


def coordinator(user: str, **overrides: Any) -> dict[str, Any]:
    return _with({"coordinator": user, "uit_vaste_pool": True}, overrides)


def aanpak(*partijen: str, **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "problemen_samenhang": "Schulden leiden tot huurachterstand en stress in het gezin.",
            "doelen": [{"doel": "Schulden stabiel", "streefdatum": "2027-09-01"}],
            "afspraken": [{"partij": p, "actie": "Begeleiding", "wanneer": "2027-03-01"} for p in partijen],
            "aanpak_partijen": list(partijen),
            "in_overleg_met_client": True,
        },
        overrides,
    )


def voortgang(**overrides: Any) -> dict[str, Any]:
    return _with({"voortgang": "volgens_afspraak", "bijstelling_nodig": False}, overrides)


def evaluatie(besluit: str = "voortzetten", **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "evaluatie_besluit": besluit,
            "doelen_voortgang": "Schulden in beeld; budgetcoaching loopt.",
            "gegevensdeling_nog_noodzakelijk": besluit == "voortzetten",
            "aanpak_bijgesteld": False,
        },
        overrides,
    )


def toets(besluit: str = "verlengen", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"toets_besluit": besluit, "toets_motivering": "Voortzetting is nog noodzakelijk."}
    if besluit == "verlengen":
        base["geen_monitoring"] = True
    return _with(base, overrides)


def afsluiting(uitkomst: str = "doelen_bereikt", **overrides: Any) -> dict[str, Any]:
    return _with(
        {
            "uitkomst": uitkomst,
            "samenvatting": "Afgesloten; cliënt en partijen geïnformeerd.",
            "client_geinformeerd_afsluiting": True,
            "partijen_geinformeerd": True,
        },
        overrides,
    )


def afsluiting_verwijzing(**overrides: Any) -> dict[str, Any]:
    return _with(
        {"uitkomst": "verwezen", "client_geinformeerd_afsluiting": True, "melder_teruggekoppeld": "ja"},
        overrides,
    )
