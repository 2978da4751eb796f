"""The form engine: a FHIR R4 Questionnaire becomes an HTML form, a POST becomes a QuestionnaireResponse.

Supported: items ``group``, ``display``, ``choice`` (answerOption valueCoding / valueString / valueInteger),
``integer``, ``boolean``, ``date``, ``string``, ``text``; ``required``; simple ``enableWhen`` (operators ``=``,
``!=``, ``exists`` on an earlier question, ``enableBehavior`` all/any). Without script in the page (strict CSP), a
conditional question is always shown with its condition in words; the server ignores it when its condition is false.

Relais reads two extensions of the Questionnaire, so a grid is added without code: the data category the care
circle's sharing matrix judges it by (required), and the name of a registered scorer (optional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from relais.pathway.access import matrix as m

CATEGORY_EXTENSION = "urn:relais:fhir:extension:data-category"
SCORER_EXTENSION = "urn:relais:fhir:extension:evaluation-scorer"
SCORE_EXTENSION = "urn:relais:fhir:extension:evaluation-score"
ITEM_TYPES = {"group", "display", "choice", "integer", "boolean", "date", "string", "text"}
OPERATORS = {"=", "!=", "exists"}
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LINK_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass
class Option:
    value: str | int  # the code of a coding, or the string / integer itself
    label: str
    fhir: dict[str, Any]  # the answerOption's value[x], copied into the response


@dataclass
class Condition:
    question: str
    operator: str
    answer: Any
    text: str  # in words, for the page


@dataclass
class Field:
    link_id: str
    text: str
    type: str
    required: bool = False
    options: list[Option] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    behavior: str = "all"
    children: list[Field] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return "q-" + re.sub(r"[^A-Za-z0-9-]", "-", self.link_id)

    @property
    def name(self) -> str:
        return "q-" + self.link_id


def extension(resource: dict, url: str, kind: str = "valueString"):
    return next((e.get(kind) for e in resource.get("extension", []) if e.get("url") == url), None)


def _error(path: str, message: str) -> ValidationError:
    return ValidationError({"questionnaire": f"{path} : {message}"})


def parse_questionnaire(questionnaire: Any) -> list[Field]:
    """Check a Questionnaire and return its fields; a ValidationError names the JSON path of what is wrong."""
    if not isinstance(questionnaire, dict) or questionnaire.get("resourceType") != "Questionnaire":
        raise _error("resourceType", "une ressource FHIR Questionnaire est attendue.")
    if not _KEY.match(str(questionnaire.get("id", ""))):
        raise _error("id", "identifiant requis (minuscules, chiffres et tirets, 64 caractères au plus).")
    if not str(questionnaire.get("title", "")).strip():
        raise _error("title", "titre requis.")
    category = extension(questionnaire, CATEGORY_EXTENSION, "valueCode")
    if category not in m.CATEGORIES:
        raise _error(
            "extension",
            f"catégorie de données requise ({CATEGORY_EXTENSION}, valueCode parmi {', '.join(m.CATEGORIES)}).",
        )
    items = questionnaire.get("item")
    if not isinstance(items, list) or not items:
        raise _error("item", "au moins une question est attendue.")
    seen: dict[str, Field] = {}
    return [_parse_item(item, f"item[{i}]", seen) for i, item in enumerate(items)]


def _parse_item(item: Any, path: str, seen: dict[str, Field]) -> Field:
    if not isinstance(item, dict):
        raise _error(path, "un objet est attendu.")
    link_id, kind = str(item.get("linkId", "")), item.get("type")
    if not _LINK_ID.match(link_id):
        raise _error(f"{path}.linkId", "identifiant requis (lettres, chiffres, « . », « - », « _ »).")
    if link_id in seen:
        raise _error(f"{path}.linkId", f"« {link_id} » est déjà utilisé.")
    if kind not in ITEM_TYPES:
        raise _error(f"{path}.type", f"type « {kind} » non pris en charge ({', '.join(sorted(ITEM_TYPES))}).")
    if item.get("repeats"):
        raise _error(f"{path}.repeats", "les questions répétées ne sont pas prises en charge.")
    result = Field(link_id, str(item.get("text", link_id)), kind, bool(item.get("required")))
    if kind == "choice":
        result.options = _options(item.get("answerOption"), f"{path}.answerOption")
    result.behavior = item.get("enableBehavior", "all")
    if result.behavior not in ("all", "any"):
        raise _error(f"{path}.enableBehavior", "« all » ou « any » attendu.")
    for j, when in enumerate(item.get("enableWhen", [])):
        result.conditions.append(_condition(when, f"{path}.enableWhen[{j}]", seen))
    seen[link_id] = result
    children = item.get("item", [])
    if kind == "group":
        if not children:
            raise _error(f"{path}.item", "un groupe doit contenir des questions.")
        result.children = [_parse_item(child, f"{path}.item[{k}]", seen) for k, child in enumerate(children)]
    elif children:
        raise _error(f"{path}.item", "seuls les groupes contiennent des questions.")
    return result


def _options(raw: Any, path: str) -> list[Option]:
    if not isinstance(raw, list) or not raw:
        raise _error(path, "une question à choix doit proposer des réponses.")
    options = []
    for i, option in enumerate(raw):
        option = option if isinstance(option, dict) else {}
        if isinstance(option.get("valueCoding"), dict) and option["valueCoding"].get("code"):
            coding = option["valueCoding"]
            options.append(Option(coding["code"], coding.get("display", coding["code"]), {"valueCoding": coding}))
        elif isinstance(option.get("valueString"), str):
            options.append(Option(option["valueString"], option["valueString"], {"valueString": option["valueString"]}))
        elif isinstance(option.get("valueInteger"), int):
            options.append(
                Option(option["valueInteger"], str(option["valueInteger"]), {"valueInteger": option["valueInteger"]})
            )
        else:
            raise _error(f"{path}[{i}]", "valueCoding (avec code), valueString ou valueInteger attendu.")
    return options


def _condition(when: Any, path: str, seen: dict[str, Field]) -> Condition:
    when = when if isinstance(when, dict) else {}
    question, operator = when.get("question"), when.get("operator")
    if question not in seen:
        raise _error(f"{path}.question", f"« {question} » doit désigner une question précédente.")
    if operator not in OPERATORS:
        raise _error(f"{path}.operator", f"opérateur « {operator} » non pris en charge (=, != ou exists).")
    keys = [k for k in when if k.startswith("answer")]
    if len(keys) != 1:
        raise _error(path, "une seule valeur answer[x] est attendue.")
    raw = when[keys[0]]
    answer = raw.get("code") if isinstance(raw, dict) else raw
    target = seen[question]
    if operator == "exists":
        words = f"si « {target.text} » est {'renseigné' if answer else 'vide'}"
    else:
        shown = {True: "Oui", False: "Non"}.get(answer, answer) if target.type == "boolean" else answer
        shown = next((o.label for o in target.options if o.value == answer), shown)
        words = f"si « {target.text} » {'=' if operator == '=' else '≠'} « {shown} »"
    return Condition(question, operator, answer, words)


def walk(fields: list[Field]):
    for f in fields:
        yield f
        yield from walk(f.children)


def enabled(f: Field, answers: dict[str, Any]) -> bool:
    if not f.conditions:
        return True
    results = []
    for c in f.conditions:
        value = answers.get(c.question)
        if c.operator == "exists":
            results.append((value is not None) == bool(c.answer))
        elif c.operator == "=":
            results.append(value is not None and value == c.answer)
        else:
            results.append(value is not None and value != c.answer)
    return all(results) if f.behavior == "all" else any(results)


def _convert(f: Field, raw: str) -> Any:
    if f.type == "choice":
        match = next((o for o in f.options if str(o.value) == raw), None)
        if match is None:
            raise ValueError("choisissez une des réponses proposées.")
        return match.value
    if f.type == "integer":
        try:
            return int(raw)
        except ValueError:
            raise ValueError("un nombre entier est attendu.") from None
    if f.type == "boolean":
        if raw not in ("true", "false"):
            raise ValueError("répondez Oui ou Non.")
        return raw == "true"
    if f.type == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError("une date au format AAAA-MM-JJ est attendue.") from None
    if len(raw) > 5000:
        raise ValueError("5 000 caractères au plus.")
    return raw


def read_answers(fields: list[Field], raw: dict[str, str], *, complete: bool) -> dict[str, Any]:
    """Answers by linkId from raw strings (a POST, or values read from a QuestionnaireResponse). Questions whose
    condition is false are dropped; a completed response must answer every required enabled question. Errors are
    collected for every question and raised at once, each naming the question."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in walk(fields):
        if f.type in ("group", "display"):
            continue
        value = str(raw.get(f.link_id, "") or "").strip()
        if not enabled(f, answers):
            continue
        if not value:
            if complete and f.required:
                errors[f.link_id] = f"« {f.text} » : réponse obligatoire."
            continue
        try:
            answers[f.link_id] = _convert(f, value)
        except ValueError as exc:
            errors[f.link_id] = f"« {f.text} » : {exc}"
    if errors:
        raise ValidationError(errors)
    return answers


def raw_from_post(fields: list[Field], post) -> dict[str, str]:
    return {f.link_id: post.get(f.name, "") for f in walk(fields) if f.type not in ("group", "display")}


def response_items(fields: list[Field], answers: dict[str, Any]) -> list[dict]:
    """QuestionnaireResponse.item, nested like the Questionnaire; unanswered questions are left out."""
    items = []
    for f in fields:
        if f.type == "group":
            children = response_items(f.children, answers)
            if children:
                items.append({"linkId": f.link_id, "text": f.text, "item": children})
        elif f.type != "display" and f.link_id in answers:
            items.append({"linkId": f.link_id, "text": f.text, "answer": [_answer(f, answers[f.link_id])]})
    return items


def _answer(f: Field, value: Any) -> dict:
    if f.type == "choice":
        return dict(next(o.fhir for o in f.options if o.value == value))
    kind = {"integer": "valueInteger", "boolean": "valueBoolean", "date": "valueDate"}.get(f.type, "valueString")
    return {kind: value}


def raw_from_response(items: Any, path: str = "item") -> dict[str, str]:
    """Raw strings by linkId from a QuestionnaireResponse's items (to validate a FHIR create like a POST)."""
    raw: dict[str, str] = {}
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or not isinstance(item.get("linkId"), str):
            raise ValidationError({"item": f"{path}[{i}].linkId : identifiant de question attendu."})
        raw.update(raw_from_response(item.get("item"), f"{path}[{i}].item"))
        answers = item.get("answer") or []
        if len(answers) > 1:
            raise ValidationError({"item": f"{path}[{i}].answer : une seule réponse par question."})
        if answers:
            value = next((v for k, v in answers[0].items() if k.startswith("value")), None)
            if isinstance(value, dict):
                value = value.get("code", "")
            if isinstance(value, bool):  # before str(): 1 == True in a dict lookup
                value = "true" if value else "false"
            raw[item["linkId"]] = "" if value is None else str(value)
    return raw


def labelled(fields: list[Field], answers: dict[str, Any]) -> list[tuple[int, Field, str]]:
    """(depth, field, answer in words) for a result page."""
    rows = []

    def visit(items, depth):
        for f in items:
            if f.type == "group":
                rows.append((depth, f, ""))
                visit(f.children, depth + 1)
            elif f.type != "display":
                value = answers.get(f.link_id)
                if f.type == "choice":
                    value = next((o.label for o in f.options if o.value == value), value)
                elif f.type == "boolean" and value is not None:
                    value = "Oui" if value else "Non"
                elif f.type == "date" and value is not None:
                    value = date.fromisoformat(value).strftime("%d/%m/%Y")
                rows.append((depth, f, "—" if value is None else str(value)))

    visit(fields, 0)
    return rows
