"""The monitoring indicators as the Gemeentelijke Monitor Sociaal Domein would count them: one
definition per indicator (name, what is counted, the counting unit, which period a count falls in,
and the events it comes from). docs/indicators.md is this table in prose; a test holds them equal,
and the per-period JSON export carries it, so a figure never travels without its definition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    key: str  # the indicator's name in the API, CSV and JSON
    name: str  # Dutch, as the monitor would show it
    definition: str
    unit: str  # procedure | task | request | complaint | incident | day
    period_rule: str
    source: str


STARTED_RULE = "start (melding geregistreerd) in de periode"
RECORDED_RULE = "vastgelegd in de periode (het moment waarop de taak werd afgerond)"

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "started",
        "Gestarte Wams-procedures",
        "Aantal procedures waarvan de melding of het verzoek in de periode is geregistreerd.",
        "procedure",
        STARTED_RULE,
        "procedures.started_at (melding)",
    ),
    Definition(
        "ended",
        "Beëindigde Wams-procedures",
        "Aantal procedures die in de periode zijn afgesloten of afgebroken, ongeacht de uitkomst.",
        "procedure",
        "einde in de periode",
        "procedures.ended_at (afsluiting, intrekking, annulering)",
    ),
    Definition(
        "running_at_end",
        "Lopende procedures aan het eind van de periode",
        "Aantal procedures gestart vóór het einde van de periode en op dat moment niet beëindigd.",
        "procedure",
        "stand op het einde van de periode",
        "procedures.started_at, procedures.ended_at",
    ),
    Definition(
        "ingang",
        "Ingang",
        "Gestarte procedures per ingang: verzoek van de cliënt, melding van een professional, "
        "meldpunt, verzoek van een partij (art. 2.3a.4).",
        "procedure",
        STARTED_RULE,
        "melding: veld ingang",
    ),
    Definition(
        "duration_days_mean",
        "Gemiddelde doorlooptijd",
        "Gemiddelde van (einde − start) in dagen over de procedures die in de periode eindigden.",
        "day",
        "einde in de periode",
        "procedures.started_at, procedures.ended_at",
    ),
    Definition(
        "duration_days_median",
        "Mediane doorlooptijd",
        "Mediaan van (einde − start) in dagen over de procedures die in de periode eindigden.",
        "day",
        "einde in de periode",
        "procedures.started_at, procedures.ended_at",
    ),
    Definition(
        "domains",
        "Betrokken domeinen",
        "Procedures per domein dat bij het onderzoek betrokken was; een procedure telt eenmaal per domein.",
        "procedure",
        RECORDED_RULE,
        "onderzoeksconclusie: betrokken_domeinen",
    ),
    Definition(
        "parties",
        "Betrokken partijen",
        "Procedures per partij die gevraagd werd, deelnam aan het casusoverleg of in het plan van "
        "aanpak staat; een procedure telt eenmaal per partij.",
        "procedure",
        RECORDED_RULE,
        "onderzoeksopzet (partijen), conclusie (betrokken_partijen), casusoverleg, plan van aanpak",
    ),
    Definition(
        "clientondersteuning",
        "Gebruik van cliëntondersteuning",
        "Procedures per antwoord op de vraag of de cliënt onafhankelijke cliëntondersteuning gebruikt "
        "(ja, nee, nog onbekend).",
        "procedure",
        RECORDED_RULE,
        "taak informeren: clientondersteuning_gebruikt",
    ),
    Definition(
        "assessment",
        "Uitkomst beoordeling",
        "Procedures per besluit of er sprake is van voortdurende en terugkerende meervoudige "
        "problematiek (ja, nee).",
        "procedure",
        RECORDED_RULE,
        "taak beoordeling: beoordeling_besluit",
    ),
    Definition(
        "consent",
        "Instemming van de cliënt",
        "Procedures per besluit van de cliënt over deelname (ja, nee); 'nee' is een weigering, die de "
        "procedure beëindigt.",
        "procedure",
        RECORDED_RULE,
        "taak vrijwilligheid en reikwijdte: toestemming",
    ),
    Definition(
        "family_participation",
        "Deelname gezinsleden",
        "Procedures waarin ten minste één gezinslid instemde (ja) of weigerde (nee); een procedure met "
        "beide telt bij beide.",
        "procedure",
        RECORDED_RULE,
        "taak deelname gezinslid: deelname",
    ),
    Definition(
        "party_answers",
        "Antwoorden op informatieverzoeken",
        "Beantwoorde informatieverzoeken per besluit van de partij (delen, gedeeltelijk delen, niet delen).",
        "request",
        RECORDED_RULE,
        "taken partij-antwoord: besluit",
    ),
    Definition(
        "medical_decisions",
        "Afwegingen medisch beroepsgeheim",
        "Afwegingen van medische beroepsbeoefenaren per besluit (delen, gedeeltelijk delen, niet delen).",
        "request",
        RECORDED_RULE,
        "taak medische afweging: besluit",
    ),
    Definition(
        "uitkomst",
        "Uitkomst",
        "Procedures per uitkomst bij afsluiting (doelen bereikt, gedeeltelijk, niet bereikt, geen "
        "aanpak, verwezen).",
        "procedure",
        RECORDED_RULE,
        "taak afsluiting: uitkomst",
    ),
    Definition(
        "stopreden",
        "Stopreden",
        "Procedures per reden van beëindiging (doelen bereikt, aanpak niet effectief, cliënt trekt "
        "zich terug, cliënt weigert, geen meervoudige problematiek, …).",
        "procedure",
        RECORDED_RULE,
        "afsluiting: stopreden",
    ),
    Definition(
        "drukmiddel",
        "Verzoek na een weigering (mogelijk drukmiddel)",
        "Procedures op verzoek van een partij kort na een weigering van dezelfde cliënt (signaal), en "
        "het besluit van de manager (doorgaan, niet doorgaan).",
        "procedure",
        RECORDED_RULE,
        "melding (signaal), taak drukmiddel-besluit",
    ),
    Definition(
        "tasks_completed_by_phase",
        "Afgeronde taken per fase",
        "Taken afgerond in de periode, per fase van de procedure.",
        "task",
        "afgerond in de periode",
        "takenregels (tasks.completed_at, tasks.phase)",
    ),
    Definition(
        "waiting_days_median_by_phase",
        "Wachttijd per fase (waar procedures stil staan)",
        "Mediaan van (afgerond − geopend) in dagen van de taken die in de periode werden afgerond, per fase.",
        "day",
        "afgerond in de periode",
        "takenregels (tasks.created_at, tasks.completed_at, tasks.phase)",
    ),
    Definition(
        "completed_late_by_phase",
        "Te laat afgeronde taken per fase",
        "Taken die in de periode na hun termijn werden afgerond, per fase.",
        "task",
        "afgerond in de periode",
        "takenregels (tasks.due_at, tasks.completed_at, tasks.phase)",
    ),
    Definition(
        "complaints",
        "Klachten",
        "Klachten ontvangen door het klachtenmeldpunt Wams in de periode; per aard in complaint_nature.",
        "complaint",
        "ontvangen in de periode",
        "klachtenregister (complaints.received_at, complaints.nature)",
    ),
    Definition(
        "complaint_nature",
        "Klachten naar aard",
        "Ontvangen klachten per aard.",
        "complaint",
        "ontvangen in de periode",
        "klachtenregister (complaints.nature)",
    ),
    Definition(
        "privacy_incidents",
        "Privacy-incidenten",
        "Privacy-incidenten ontdekt in de periode (gemeld bij de AP of niet).",
        "incident",
        "ontdekt in de periode",
        "incidentenregister (privacy_incidents.discovered_at, reported_to_ap)",
    ),
    Definition(
        "privacy_incidents_reported_to_ap",
        "Privacy-incidenten gemeld bij de AP",
        "Privacy-incidenten ontdekt in de periode en gemeld bij de Autoriteit Persoonsgegevens.",
        "incident",
        "ontdekt in de periode",
        "incidentenregister (privacy_incidents.reported_to_ap)",
    ),
)
