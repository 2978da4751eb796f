"""The FSH reader behind the profile snapshot (decision 0048), on FSH written here (the tests never read the guides)."""

from relais.fhir.conformance import fsh

TEXT = '''
Alias: $J252 = https://mos.esante.gouv.fr/NOS/JDV_J252/FHIR/JDV-J252 // a trailing comment
Profile: MyTask
Parent: Task
Id: my-task
Title: "My task"
Description: """Two
lines, with // inside a string"""
/* a block
comment */
* obeys my-inv
* meta.lastUpdated 1.. MS
* status = #completed
* input ^slicing.discriminator.type = #pattern
* input ^slicing.discriminator.path = "type"
* input ^short = "ignored"
* input contains
    first 1..1 and
    second 0..*
* input[first].type = InputCS#first "First" (exactly)
* input[first].value[x] only Identifier
* input[second].value[x] from $J252 (required)
* owner only Reference(Organization or http://example.org/StructureDefinition/p)
* extension contains MyExt named mine 0..1 MS
* response ..0
* insert SomeRuleSet

Invariant: my-inv
Description: "Something holds"
* severity = #error
* expression = "input.exists()"

Extension: MyExt
Id: my-ext
Context: Task, Patient
* value[x] only boolean
'''


def test_the_reader_keeps_what_constrains_an_instance_and_lists_what_it_does_not_read():
    parsed = fsh.parse(TEXT, "x.fsh")
    assert parsed["aliases"] == {"$J252": "https://mos.esante.gouv.fr/NOS/JDV_J252/FHIR/JDV-J252"}
    profile, invariant, extension = parsed["entities"]
    assert (profile["name"], profile["id"], profile["parent"], profile["title"]) == (
        "MyTask",
        "my-task",
        "Task",
        "My task",
    )
    assert profile["description"] == "Two lines, with // inside a string"  # continuation lines joined
    rules = [{k: v for k, v in r.items() if k != "at"} for r in profile["rules"]]
    assert rules == [
        {"path": "", "rule": "obeys", "invariants": ["my-inv"]},
        {"path": "meta.lastUpdated", "rule": "card", "min": 1},
        {"path": "status", "rule": "fixed", "value": {"kind": "code", "code": "completed"}, "exactly": False},
        {"path": "input", "rule": "discriminator", "field": "type", "index": "0", "value": "pattern"},
        {"path": "input", "rule": "discriminator", "field": "path", "index": "0", "value": "type"},
        {
            "path": "input",
            "rule": "contains",
            "items": [{"name": "first", "min": 1, "max": "1"}, {"name": "second", "min": 0, "max": "*"}],
        },
        {
            "path": "input[first].type",
            "rule": "fixed",
            "value": {"kind": "code", "code": "first", "system": "InputCS", "display": "First"},
            "exactly": True,
        },
        {"path": "input[first].value[x]", "rule": "only", "types": [{"name": "Identifier"}]},
        {"path": "input[second].value[x]", "rule": "binding", "valueset": "$J252", "strength": "required"},
        {
            "path": "owner",
            "rule": "only",
            "types": [{"name": "Reference", "targets": ["Organization", "http://example.org/StructureDefinition/p"]}],
        },
        {"path": "extension", "rule": "contains", "items": [{"type": "MyExt", "name": "mine", "min": 0, "max": "1"}]},
        {"path": "response", "rule": "card", "max": "0"},
    ]
    assert profile["unparsed"] == ["x.fsh:26: insert SomeRuleSet"]
    assert (invariant["name"], invariant["severity"], invariant["expression"]) == ("my-inv", "error", "input.exists()")
    assert (extension["kind"], extension["id"], extension["context"]) == ("Extension", "my-ext", ["Task", "Patient"])
    assert extension["rules"][0]["types"] == [{"name": "boolean"}]
