"""`categories_load`: labels and domains of the medico-social FINESS categories from the CNSA table.

The CNSA correspondence table (cnsa_corresp_categorie_complete.csv: UTF-8 with BOM, `;`, a header row)
gives each category its domain (`code_domaine` 1 disabled children, 2 disabled adults, 3 older people,
4 multi-public) and a label ("182 - SESSAD"; the code prefix is dropped). Idempotent, all or nothing.
codes.py stays the authority for the domains it lists (every import re-applies them through
`category_ensure_reference`): a CNSA domain that disagrees is reported, not applied.
"""

import csv
import io
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from relais.offer.codes import MEDICO_SOCIAL_CATEGORIES, Domain
from relais.offer.models import Category
from relais.offer.services import category_ensure_reference

from .records import CATEGORY_RE, FinessError, clean, fail

DEFAULT_PATH = settings.REFERENCE_DIR / "cnsa" / "cnsa_corresp_categorie_complete.csv"
CNSA_DOMAINS = {
    "1": Domain.DISABLED_CHILDREN,
    "2": Domain.DISABLED_ADULTS,
    "3": Domain.OLDER_PEOPLE,
    "4": Domain.MULTI_PUBLIC,
}
COLUMNS = ("code_domaine", "categorie", "libelle_categorie_long", "libelle_categorie_court")
LABEL_PREFIX = re.compile(r"^[0-9]{3}\s*-\s*")


def read_cnsa(raw: bytes) -> dict[str, tuple[str, str]]:
    """code → (label, domain); FinessError naming the line on anything malformed."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FinessError(f"ligne {line} : fichier non UTF-8 (octet 0x{raw[error.start]:02X})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise FinessError(f"ligne 1 : colonne(s) manquante(s) dans l'en-tête : {', '.join(missing)}")
    rows: dict[str, tuple[str, str]] = {}
    seen_at: dict[str, int] = {}
    for row in reader:
        number = reader.line_num
        if None in row.values():
            raise fail(f"ligne {number}", f"ligne tronquée ({sum(v is not None for v in row.values())} colonnes)")
        if not any(clean(value) for value in row.values() if isinstance(value, str)):
            continue
        code = clean(row["categorie"])
        if not CATEGORY_RE.fullmatch(code):
            raise fail(f"ligne {number}, colonne « categorie »", f"code catégorie invalide « {code} »")
        domain = CNSA_DOMAINS.get(clean(row["code_domaine"]))
        if domain is None:
            raise fail(
                f"ligne {number}, colonne « code_domaine »",
                f"code domaine invalide « {clean(row['code_domaine'])} » (attendu 1, 2, 3 ou 4)",
            )
        label = LABEL_PREFIX.sub("", clean(row["libelle_categorie_long"])) or LABEL_PREFIX.sub(
            "", clean(row["libelle_categorie_court"])
        )
        if not label:
            raise fail(f"ligne {number}, colonne « libelle_categorie_long »", "libellé manquant")
        label = label[: Category._meta.get_field("label").max_length]
        if code in rows and rows[code] != (label, domain):
            raise fail(f"ligne {number}", f"catégorie {code} déjà définie ligne {seen_at[code]} autrement")
        rows[code], seen_at[code] = (label, domain), number
    if not rows:
        raise FinessError("aucune catégorie dans le fichier")
    return rows


def categories_load(path: str | Path | None = None) -> dict:
    """Create or refresh the CNSA categories. Returns counts and the codes whose CNSA domain disagrees."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FinessError(f"{path} : lecture impossible ({error.strerror})") from None
    rows = read_cnsa(raw)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    disagreements = []
    with transaction.atomic():
        category_ensure_reference()
        existing = {category.code: category for category in Category.objects.filter(code__in=list(rows))}
        for code, (label, domain) in sorted(rows.items()):
            reference = MEDICO_SOCIAL_CATEGORIES.get(code)
            if reference is not None and reference[1] != domain:
                disagreements.append(f"{code} (CNSA : {domain}, codes.py : {reference[1]})")
                domain = reference[1]
            category = existing.get(code)
            if category is None:
                Category.objects.create(code=code, label=label, domain=domain, is_medico_social=True)
                counts["created"] += 1
                continue
            wanted = {"label": label, "domain": domain, "is_medico_social": True}
            changed = [name for name, value in wanted.items() if getattr(category, name) != value]
            if changed:
                for name in changed:
                    setattr(category, name, wanted[name])
                category.save(update_fields=changed)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return {"categories": counts, "domain_disagreements": disagreements, "path": str(path)}
