"""The SI-SDO codes Relais uses, by name, and the status groups: the one place where a code is written.

Statuses are TRE_R357 codes, ESMS level (person × ESMS, value set JDV_J252) and unit level (person × unit, JDV_J253);
the French comment is the official label. Reasons are TRE_R358 codes, only those the code uses by value (which
reasons each status takes comes from ASS_A32 at run time, ``terminology.sdo_rules``). Pure Python: no Django.

People read words, not codes (decision 0038): ``STATUS_WORDS`` and ``REASON_WORDS`` give every TRE_R357 status and
every TRE_R358 reason its short French word; the screens show it with ``{% status %}``/``{% reason %}``
(``relais/web/templatetags/words.py``), the code and its official label in a tooltip.

Each group answers one question, asked by one or more modules; two groups that look alike answer different ones
(docs/decisions/0028-status-groups.md). ``tests/orientation/test_status_literals.py`` fails when a status or reason
code is written as a literal anywhere else in ``relais/``.
"""

from __future__ import annotations

from collections.abc import Iterable


def _codes(*parts: Iterable[str]) -> tuple[str, ...]:
    """The union of ``parts`` in code order (stable: the check constraints built from it must not change)."""
    return tuple(sorted({code for part in parts for code in part}, key=int))


# --- TRE_R357, ESMS level (JDV_J252) -------------------------------------------------------------------------------
DECISION_CANCELLED = "37"  # Décision d'orientation annulée
NOTIFIED = "39"  # Notification envoyée
NOTIFICATION_READ = "40"  # Notification lue
CONTACTED = "41"  # Contact effectué
UNDER_ANALYSIS = "42"  # Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS
TRIAL = "43"  # Période d'essai en cours dans l'ESMS
TRIAL_INCONCLUSIVE = "44"  # Période d'essai non concluante dans l'ESMS
ADMISSION_IMPOSSIBLE_REPORTED = "45"  # Admission impossible signalée
ADMISSION_IMPOSSIBLE_CONFIRMED = "46"  # Admission impossible entérinée
ENTERED = "47"  # Usager entré
LEFT = "48"  # Usager sorti
NOTIFICATION_CANCELLED = "49"  # Notification annulée
REORIENTATION_REQUESTED = "51"  # Demande de réorientation dans l'ESMS
REACTIVATED = "54"  # Notification réactivée
ADMITTED = "71"  # Liste d'attente. Admis dans l'ESMS
ADMISSIBLE = "72"  # Liste d'attente. Admissible dans l'ESMS

# --- TRE_R357, unit level (JDV_J253) -------------------------------------------------------------------------------
UNIT_REMOVED = "180"  # Retiré de la liste d'attente ou accompagnement annulé
UNIT_TRIAL_INCONCLUSIVE = "181"  # Période d'essai non concluante dans l'unité
UNIT_UNDER_ANALYSIS = "182"  # Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'unité
UNIT_ADMISSIBLE = "183"  # Liste d'attente. Admissible dans l'unité
UNIT_ADMITTED = "184"  # Liste d'attente. Admis dans l'unité
UNIT_TRIAL = "185"  # Période d'essai en cours dans l'unité
UNIT_TAKEN_IN_CHARGE = "186"  # Usager pris en charge
UNIT_REORIENTATION_REQUESTED = "187"  # Demande de réorientation dans l'unité
UNIT_CARE_ENDED = "188"  # Fin de prise en charge

# --- TRE_R358 reasons used by value --------------------------------------------------------------------------------
REASON_AUTOMATIC_CANCELLATION = "95"  # Annulation automatique
REASON_NOTIFICATION_EXPIRED = "98"  # Fin de validité de la notification
REASON_PERSON_WISH = "100"  # Volonté de l'usager
REASON_SOFTWARE_ERROR = "112"  # Erreur d'utilisation du logiciel
REASON_GEOGRAPHICALLY_REMOTE = "113"  # Eloignement géographique
REASON_INSUFFICIENT_RESOURCES = "114"  # Les ressources de l'ESMS ne sont pas suffisantes
REASON_DISABILITY_NOT_COVERED = "116"  # Le type de handicap ne relève pas de l'ESMS
REASON_ADMITTED_ELSEWHERE = "119"  # L'usager a été admis dans un autre ESMS, l'orientation n'est plus pertinente
REASON_AGE_INCOMPATIBLE = "122"  # L'âge de l'usager est incompatible
REASON_PERSON_CONTACTED_ESMS = "150"  # L'usager a pris contact avec l'ESMS
REASON_ESMS_CONTACTED_PERSON = "151"  # L'ESMS a pris contact avec l'usager
REASON_DECISION_CLOSED_BY_MDPH = "174"  # Décision clôturée par la MDPH

# --- Words shown to people (decision 0038) -----------------------------------------------------------------------
# Screens, notifications and e-mails show the word; the code and its official TRE_R357/TRE_R358 label go in the
# tooltip (``relais/web/templatetags/words.py``), the exports and the API. Short, professional, inclusive French.
STATUS_WORDS = {
    DECISION_CANCELLED: "Décision annulée",
    NOTIFIED: "Nouvelle demande",
    NOTIFICATION_READ: "Demande lue",
    CONTACTED: "Contact pris",
    UNDER_ANALYSIS: "En étude",
    TRIAL: "En période d'essai",
    TRIAL_INCONCLUSIVE: "Essai non concluant",
    ADMISSION_IMPOSSIBLE_REPORTED: "Refusée",
    ADMISSION_IMPOSSIBLE_CONFIRMED: "Admission impossible",
    ENTERED: "Entré·e",
    LEFT: "Sorti·e",
    NOTIFICATION_CANCELLED: "Demande annulée",
    REORIENTATION_REQUESTED: "Réorientation demandée",
    REACTIVATED: "Demande réactivée",
    ADMITTED: "Admis·e",
    ADMISSIBLE: "Admissible",
    UNIT_REMOVED: "Retiré·e de la liste",
    UNIT_TRIAL_INCONCLUSIVE: "Essai non concluant",
    UNIT_UNDER_ANALYSIS: "En étude",
    UNIT_ADMISSIBLE: "Admissible",
    UNIT_ADMITTED: "Admis·e",
    UNIT_TRIAL: "En période d'essai",
    UNIT_TAKEN_IN_CHARGE: "Pris·e en charge",
    UNIT_REORIENTATION_REQUESTED: "Réorientation demandée",
    UNIT_CARE_ENDED: "Fin de prise en charge",
}

# Every TRE_R358 reason (ASS_A32 lets each status take several; the screens offer all of them by word).
REASON_WORDS = {
    "84": "Conditions d'admission non remplies",
    "85": "Choix du demandeur",
    "86": "Plateau technique inadapté",
    "87": "Admis·e ailleurs après un déménagement",
    "88": "Décision de la CDAPH",
    "89": "Ne souhaite plus cet accompagnement",
    "90": "Décès",
    "91": "Admis·e ailleurs après une réorientation",
    "92": "Nette amélioration de la situation",
    "93": "Nette aggravation de la situation",
    REASON_AUTOMATIC_CANCELLATION: "Annulation automatique",
    REASON_NOTIFICATION_EXPIRED: "Notification expirée",
    REASON_PERSON_WISH: "Choix de la personne",
    "109": "Déménagement",
    REASON_SOFTWARE_ERROR: "Erreur de saisie",
    REASON_GEOGRAPHICALLY_REMOTE: "Éloignement géographique",
    REASON_INSUFFICIENT_RESOURCES: "Moyens de l'ESMS insuffisants",
    "115": "Inadapté au projet de vie",
    REASON_DISABILITY_NOT_COVERED: "Handicap non accompagné par l'ESMS",
    "117": "Situation changée, ESMS inadapté",
    "118": "Refus de s'inscrire dans l'ESMS",
    REASON_ADMITTED_ELSEWHERE: "Admis·e dans un autre ESMS",
    "120": "Déménagement : orientation caduque",
    "121": "Refus du projet de l'ESMS",
    REASON_AGE_INCOMPATIBLE: "Âge incompatible",
    "124": "Décès",
    "125": "Démission (ESAT)",
    "126": "Invalidité (ESAT)",
    "127": "Retraite (ESAT)",
    "128": "Fin de contrat",
    "135": "Fin de la période d'essai",
    "136": "Renouvellement",
    "146": "Entrée en apprentissage",
    "147": "Retour en milieu ordinaire",
    "148": "Personne injoignable",
    REASON_PERSON_CONTACTED_ESMS: "La personne a contacté l'ESMS",
    REASON_ESMS_CONTACTED_PERSON: "L'ESMS a contacté la personne",
    "152": "Visite de l'ESMS",
    "153": "Documentation envoyée",
    "157": "Hospitalisation",
    "158": "Admission en établissement pour personnes âgées",
    "159": "Fin de formation",
    "168": "Inscription en liste d'attente",
    "170": "Accompagnement à temps adapté",
    "172": "Changement de situation",
    "173": "Remplacée par une autre décision",
    REASON_DECISION_CLOSED_BY_MDPH: "Décision close par la MDPH",
    "184": "Accueil en famille d'accueil",
    "204": "Fin de l'accueil temporaire",
    "253": "Transfert dans une autre unité",
}


def status_word(code: str | None) -> str:
    """The word shown for a TRE_R357 status; an unknown code is shown as it is (never an empty cell)."""
    return STATUS_WORDS.get(code or "", code or "")


def reason_word(code: str | None) -> str:
    """The word shown for a TRE_R358 reason; an unknown code is shown as it is."""
    return REASON_WORDS.get(code or "", code or "")


# --- Every status of each level --------------------------------------------------------------------------------------
ESMS_STATUSES = _codes(
    (DECISION_CANCELLED, NOTIFIED, NOTIFICATION_READ, CONTACTED, UNDER_ANALYSIS, TRIAL, TRIAL_INCONCLUSIVE),
    (ADMISSION_IMPOSSIBLE_REPORTED, ADMISSION_IMPOSSIBLE_CONFIRMED, ENTERED, LEFT, NOTIFICATION_CANCELLED),
    (REORIENTATION_REQUESTED, REACTIVATED, ADMITTED, ADMISSIBLE),
)
UNIT_STATUSES = _codes(
    (UNIT_REMOVED, UNIT_TRIAL_INCONCLUSIVE, UNIT_UNDER_ANALYSIS, UNIT_ADMISSIBLE, UNIT_ADMITTED, UNIT_TRIAL),
    (UNIT_TAKEN_IN_CHARGE, UNIT_REORIENTATION_REQUESTED, UNIT_CARE_ENDED),
)

# --- ESMS-level groups ---------------------------------------------------------------------------------------------
# Groups are tuples in workflow order (labels print them); the parts of a union are disjoint.
# Ended: final (nothing follows) or closed (the orientation may reactivate it, 54). Open: not ended.
ESMS_FINAL = (DECISION_CANCELLED, LEFT)
ESMS_CLOSED = (TRIAL_INCONCLUSIVE, ADMISSION_IMPOSSIBLE_CONFIRMED, NOTIFICATION_CANCELLED)
ESMS_ENDED = _codes(ESMS_FINAL, ESMS_CLOSED)
ESMS_OPEN = tuple(code for code in ESMS_STATUSES if code not in ESMS_ENDED)

# Sent, not answered yet: not read, or read (and maybe contacted) with no decision (reminders; "Nouvelles").
ESMS_AWAITING_ANSWER = (NOTIFIED, NOTIFICATION_READ, CONTACTED)
# On the ESMS's waiting list: under analysis (or reactivated), or admissible — the requests matching may place.
ESMS_UNDER_REVIEW = (UNDER_ANALYSIS, REACTIVATED)
ESMS_ON_WAITING_LIST = (UNDER_ANALYSIS, ADMISSIBLE, REACTIVATED)
# Pending: no answer and no place yet (still refusable or cancellable; what a simulation may solve).
ESMS_PENDING = (*ESMS_AWAITING_ANSWER, *ESMS_ON_WAITING_LIST)
# Open without a place: pending, or refused by the ESMS but not confirmed (45 may go back to 42). Real demand.
ESMS_WITHOUT_PLACE = (*ESMS_PENDING, ADMISSION_IMPOSSIBLE_REPORTED)

# Admitted, not entered yet (admitted, or in the trial period) — "Admises" of the waiting list.
ESMS_ADMITTED_NOT_ENTERED = (ADMITTED, TRIAL)
# Entered and staying, reorientation asked or not — "Accueillies".
ESMS_HOSTED = (ENTERED, REORIENTATION_REQUESTED)
# Holding a place in the ESMS: the person has a solution (territory figures).
ESMS_PLACED = (*ESMS_ADMITTED_NOT_ENTERED, *ESMS_HOSTED)
# Placed and not asking to move: the person's older pending requests elsewhere are closed (follow-up, reason 119).
ESMS_SETTLED = tuple(code for code in ESMS_PLACED if code != REORIENTATION_REQUESTED)
# Open and not entered: the default of the waiting list ("Toutes les demandes en cours").
ESMS_IN_PROGRESS = (*ESMS_WITHOUT_PLACE, *ESMS_ADMITTED_NOT_ENTERED)

# From 71, the changes that undo an admission: the place it took is given back.
ESMS_ADMISSION_UNDONE = (ADMISSION_IMPOSSIBLE_REPORTED, NOTIFICATION_CANCELLED, DECISION_CANCELLED)

# How far an open request went, least advanced first (the merge keeps the more advanced of two duplicates).
ESMS_PROGRESS = (
    NOTIFIED,
    REACTIVATED,
    NOTIFICATION_READ,
    CONTACTED,
    UNDER_ANALYSIS,
    ADMISSION_IMPOSSIBLE_REPORTED,
    ADMISSIBLE,
    ADMITTED,
    TRIAL,
    ENTERED,
    REORIENTATION_REQUESTED,
)

# --- Unit-level groups ---------------------------------------------------------------------------------------------
UNIT_FINAL = (UNIT_REMOVED, UNIT_TRIAL_INCONCLUSIVE, UNIT_CARE_ENDED)
UNIT_CLOSED: tuple[str, ...] = ()
# On the unit's list, in walking order to "admitted": these pairs may still be removed (180).
UNIT_PENDING = (UNIT_UNDER_ANALYSIS, UNIT_ADMISSIBLE, UNIT_ADMITTED)

# Unit statuses whose TRE_R357 labels name the same step as an ESMS status (same words, "ESMS" vs "unité").
PARALLEL_STATUSES = {
    UNIT_UNDER_ANALYSIS: UNDER_ANALYSIS,
    UNIT_ADMISSIBLE: ADMISSIBLE,
    UNIT_ADMITTED: ADMITTED,
    UNIT_TRIAL: TRIAL,
    UNIT_TRIAL_INCONCLUSIVE: TRIAL_INCONCLUSIVE,
    UNIT_REORIENTATION_REQUESTED: REORIENTATION_REQUESTED,
}


def codes_text(codes: Iterable[str]) -> str:
    """``"39, 40, 41"``: a group's codes as shown in French labels."""
    return ", ".join(codes)


def words_text(codes: Iterable[str]) -> str:
    """``"Admis·e, En période d'essai"``: a group's words as shown in French sentences (each word once)."""
    return ", ".join(dict.fromkeys(status_word(code) for code in codes))
