"""Parses every interop answer of the origin's interop test with tools written elsewhere.

`cargo xtask test` runs this with the virtual environment it keeps under the target directory (the FHIR R4 model
library `fhir.resources` 6.4.0, which models FHIR 4.0.1, and `lxml`), over the directory the origin's interop test
wrote its answers to. Every `*.fhir.json` must be a FHIR R4 resource the library accepts, with no empty array,
object or string and no null (FHIR JSON forbids them) and every `#id` reference resolving to a contained resource;
every `*.xml` must be a well-formed XmlMsg in the encoding its declaration names, whose `CharacterCodeIdentifier`
agrees with that encoding and whose `NameKana` is half-width katakana with ASCII spaces. Output is TAP, ending
with `# pass N` and `# fail M`.
"""

import json
import re
import sys
from pathlib import Path

import fhir.resources
from fhir.resources.bundle import Bundle
from fhir.resources.operationoutcome import OperationOutcome
from lxml import etree

MODELS = {"Bundle": Bundle, "OperationOutcome": OperationOutcome}
HALF_WIDTH_KANA = re.compile(r"^[\uFF61-\uFF9F A-Za-z0-9]+$")
CHARACTER_CODE = {"utf-8": "0", "shift_jis": "1"}


def empty_places(value, path="$"):
    """Every place in a JSON value that FHIR JSON forbids: an empty array, object or string, or a null."""
    if value is None or value == "" or value == [] or value == {}:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from empty_places(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from empty_places(item, f"{path}[{index}]")


def local_references(value):
    """Every `reference` value in a resource that points inside it (`#id`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str) and item.startswith("#"):
                yield item[1:]
            elif key != "contained":
                yield from local_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from local_references(item)


def resources_of(document):
    if document.get("resourceType") == "Bundle":
        return [entry["resource"] for entry in document.get("entry", [])]
    return [document]


def check_fhir(path):
    document = json.loads(path.read_bytes())
    empty = list(empty_places(document))
    if empty:
        return f"empty or null values at {', '.join(empty)}"
    model = MODELS.get(document.get("resourceType"))
    if model is None:
        return f"unexpected resourceType {document.get('resourceType')!r}"
    model.parse_obj(document)
    for resource in resources_of(document):
        contained = {item.get("id") for item in resource.get("contained", [])}
        missing = [ref for ref in local_references(resource) if ref not in contained]
        if missing:
            return f"{resource['resourceType']} refers to #{', #'.join(missing)}, which it does not contain"
        if resource["resourceType"] == "Coverage" and not resource.get("type", {}).get("coding"):
            return "a Coverage without a coded type"
    return None


def check_xml(path):
    data = path.read_bytes()
    declared = re.match(rb'<\?xml[^>]*encoding="([^"]+)"', data)
    if declared is None:
        return "no encoding in the XML declaration"
    encoding = declared.group(1).decode("ascii").lower()
    expected_encoding = "shift_jis" if path.name.endswith(".sjis.xml") else "utf-8"
    if encoding != expected_encoding:
        return f"declared {encoding}, expected {expected_encoding}"
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    if root.tag != "XmlMsg":
        return f"root element {root.tag}"
    code = root.findtext("MessageHeader/CharacterCodeIdentifier")
    if code != CHARACTER_CODE[encoding]:
        return f"CharacterCodeIdentifier {code!r} for {encoding}"
    if root.find("MessageBody/QualificationValidity") is None:
        return "no QualificationValidity"
    for kana in root.iter("NameKana"):
        if not HALF_WIDTH_KANA.match(kana.text or ""):
            return f"NameKana {kana.text!r} is not half-width katakana with ASCII spaces"
    if root.find(".//ArbitraryFileIdentifier") is not None:
        return "ArbitraryFileIdentifier where the query's ArbitraryIdentifier belongs"
    return None


def main(directory):
    files = sorted(p for p in Path(directory).rglob("*") if p.name.endswith((".fhir.json", ".xml")))
    print(f"# fhir.resources {fhir.resources.__version__} (FHIR {fhir.resources.__fhir_version__}), lxml {etree.__version__}")
    if fhir.resources.__fhir_version__ != "4.0.1":
        print("Bail out! the FHIR library does not model R4 (4.0.1)")
        return 1
    passed = failed = 0
    for number, path in enumerate(files, 1):
        name = path.relative_to(directory)
        try:
            problem = check_fhir(path) if path.name.endswith(".fhir.json") else check_xml(path)
        except Exception as error:  # a parser's refusal is the finding
            problem = f"{type(error).__name__}: {error}".replace("\n", " ")
        if problem is None:
            passed += 1
            print(f"ok {number} - {name}")
        else:
            failed += 1
            print(f"not ok {number} - {name}: {problem}")
    if not files:
        failed += 1
        print("not ok 1 - no answers to check")
    print(f"1..{max(len(files), 1)}")
    print(f"# pass {passed}")
    print(f"# fail {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
