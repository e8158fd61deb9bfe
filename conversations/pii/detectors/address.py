"""Street addresses: house number + street name + street type, then an optional
unit, postcode / ZIP and town. English, German/Dutch, French, Spanish/Italian orders."""

from __future__ import annotations

import re

from ..config import ADDRESS
from . import Span

# USPS Publication 28 primary suffixes and abbreviations, plus British ones.
_EN_SUFFIX = (
    "Alley|Aly|Annex|Arcade|Avenue|Ave|Av|Bayou|Beach|Bend|Bluffs?|Bottom|Boulevard|Blvd|Branch|Bridge|Brooks?|"
    "Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Centers?|Centre|Chase|Circles?|Cir|Cliffs?|Close|Club|Commons?|"
    "Corners?|Course|Courts?|Ct|Coves?|Creek|Crescent|Cres|Crest|Crossing|Crossroads?|Curve|Dale|Dam|Divide|"
    "Drives?|Dr|Drove|Estates?|Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|"
    "Fort|Freeway|Gardens?|Gate|Gateway|Glens?|Greens?|Groves?|Harbors?|Harbours?|Haven|Heights|Highway|Hwy|"
    "Hills?|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Ln|Lights?|Loaf|Locks?|"
    "Lodge|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass|"
    "Parade|Parks?|Parkways?|Pkwy|Pass|Passage|Path|Pike|Pines?|Place|Pl|Plains?|Plaza|Points?|Ports?|Prairie|"
    "Radial|Ramp|Ranch|Rapids?|Rest|Ridges?|Rise|River|Roads?|Rd|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|"
    "Springs?|Spurs?|Squares?|Sq|Station|Stravenue|Stream|Streets?|St|Summit|Terrace|Ter|Throughway|Trace|Track|"
    "Trafficway|Trail|Trl|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Via|Viaduct|Views?|Villages?|Ville|Vista|"
    "Walks?|Wall|Way|Ways|Wells?|Wharf|Wynd|Yard"
)
_NUM = r"\d{1,5}[A-Za-z]?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?"
_CAP = r"[A-ZÀ-ÞŒ][\w'’.\-]*"
_UNIT_WORDS = (
    r"Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|Room|Rm\.?|Studio|Piso|Puerta|Planta|Esc\.?|"
    r"Escalera|Piano|Appartamento|Interno|Int\.|Scala|Bus|Etage|Étage|Bâtiment|Bat\.?|#"
)

_EN_STREET = re.compile(
    rf"(?:(?:{_UNIT_WORDS})\s*[\w\-]{{1,5}},?\s+(?:{_NUM},?\s+)?|(?<![\w.,/\-]){_NUM},?\s+)"
    rf"(?:{_CAP}\s+){{1,4}}(?:{_EN_SUFFIX})\b"
    rf"|(?<![\w.,/\-]){_NUM}\s+(?:[a-z][\w'’\-]*\s+){{1,3}}(?i:street|road|avenue|lane|boulevard)\b(?=[ \t]*(?:$|[,.;!?\n]))",
)
_DE_NL_SUFFIX = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|laan|straat|plein|"
    "gracht|kade|singel|dijk|pad|hof|dreef|steeg|park|plantsoen|baan|kanaal|burgwal|wal|boulevard"
)
_DE_NL_STREET = re.compile(
    rf"(?<![\w\-])(?:{_CAP}\s+){{0,2}}(?P<word>[A-ZÀ-Þ][\w'’.\-]*(?i:{_DE_NL_SUFFIX})|"
    r"(?:Straße|Strasse|Weg|Gasse|Platz|Allee|Ring|Markt|Laan|Straat|Plein|Gracht|Kade|Singel|Dijk))"
    rf"\s+(?P<num>\d{{1,4}}[a-zA-Z]?(?:\s?[-/]\s?\d{{1,4}}[a-zA-Z]?)?)(?![\w/]|[.,]\d)"
)
# English words with a German/Dutch street ending ("During 2 weeks").
_DE_NL_FALSE = frozenset("during string spring bring offering bearing wiring boring earring keyring ipad".split())
_AMBIGUOUS_ENDINGS = ("ring", "park", "hof", "pad", "wal", "markt", "baan")

_FR_TYPE = r"rue|avenue|av\.|boulevard|bd|chemin|allée|allee|impasse|place|quai|route|cours|passage|square|voie|sentier|faubourg|esplanade|promenade"
_FR_NAME = rf"(?:(?:de la|de l'|de|du|des|d'|la|le|les|l')\s*)?{_CAP}(?:\s+(?:de|du|des|la|le|{_CAP})){{0,3}}"
_FR_STREET = re.compile(
    rf"(?<![\w.,/\-])\d{{1,4}}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?i:{_FR_TYPE})\s+{_FR_NAME}"
    rf"|\b(?i:rue|boulevard|chemin|allée|impasse|quai|avenue)\s+{_FR_NAME}"
)
_ES_IT_TYPE = (
    r"Calle|C/|Avenida|Avda\.?|Paseo|Plaza|Camino|Carrer|Ronda|Travesía|Travesia|Cañada|Callejón|Callejon|"
    r"Pasaje|Pasadizo|Rambla|Glorieta|Urbanización|Alameda|Acceso|Vial|Viale|Vicolo|Piazza|Piazzale|Corso|"
    r"Largo|Strada|Contrada|Borgo|Rotonda|Via|Vía|Avinguda|Passeig|Plaça|Rúa|Rua|C\.|Cuesta|Carretera|Ctra\.|"
    r"Bajada|Subida|Senda|Sector|Partida|Polígono|Urb\.|Vereda|Canal|Canale|Incrocio|Stretto|Lungomare|"
    r"Traversa|Vico"
)
_ES_IT_STREET = re.compile(
    rf"(?<![\w\-])(?:{_ES_IT_TYPE})\s+(?:(?:de|del|de la|de las|de los|la|las|los|el|di|della|dei|degli|delle|d'|dell')\s+)*"
    rf"{_CAP}(?:\s+(?:de|del|la|di|della|{_CAP})){{0,4}},?\s*(?:n[º°o]\.?\s*)?\d{{1,4}}[A-Za-z]?(?![\w/]|[.,]\d)"
)

_UNIT = re.compile(rf",?\s*(?:{_UNIT_WORDS})\s*[\w\-]{{1,6}}\b")
_POSTCODE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # UK
    r"|[A-Z]\d{2}\s?[A-Z\d]{4}"  # Irish Eircode
    r"|\d{4}\s?[A-Z]{2}(?![A-Za-z])"  # NL
    r"|\d{5}(?:-\d{4})?"  # US ZIP, DE, FR, ES, IT
    r"|\d{4})(?![\w])"  # BE, CH, AT, DK, ...
)
_SEP = re.compile(r"[ \t]*(?:,|\n)\s*|[ \t]+")
_POSTCODE_RE = re.compile(_POSTCODE)
_TOWN_WORD = r"(?:['’]s-)?['’]?[A-ZÀ-ÞŒ][^\W\d_]*(?:['’][^\W\d_]+)*(?!\w)"
_TOWN_PARTICLE = r"(?:de|la|le|les|sur|sous|en|am|an|der|den|im|upon|on|di|del|aan|op|'s)"
_CITY = re.compile(rf"{_TOWN_WORD}(?:(?:[ \-]|[ \-]{_TOWN_PARTICLE}[ \-]){_TOWN_WORD}){{0,3}}")
_AFTER_CITY = re.compile(
    rf",?[ \t]+(?:[A-Z]{{2}}[ \t]+)?{_POSTCODE}|,?[ \t]+[A-Z]{{2}}(?=\s*$|[.,;!?\n])|,[ \t]*{_POSTCODE}|[ \t]+\([A-Z]{{2}}\)"
)
# US military and overseas mail: "Unit 5131 Box 3735, DPO AE 63763", "USNS Sanchez, FPO AA 29057".
_US_MILITARY = re.compile(
    r"\b(?:(?:Unit|PSC|CMR)\s+\d{3,4},?\s+Box\s+\d{3,4}|US(?:NS|NV|S|CGC)\s+[A-Z][\w'\-]*)"
    r",?\s+[ADF]PO\s+A[AEP]\s+\d{5}\b"
)
_PROVINCE = re.compile(r"[ \t]+\([A-Z]{2}\)")
_NOT_A_TOWN = frozenset(
    """please thanks thank i it i'm my can could the this that and but also so is are will would hi hello regards
    cheers best ok okay yes no we you he she they our your their when what where why how who since if then still
    just sorry apologies kind many much sent delivered ordered order card account help urgent asap""".split()
)


def _town_ok(town: str) -> bool:
    words = re.split(r"[\s\-]+", town.lower())
    return not any(w.strip("'’.") in _NOT_A_TOWN for w in words)


def _extend(text: str, end: int) -> int:
    """Extend a street match over unit, postcode and town."""
    pos = end
    for _ in range(2):
        unit = _UNIT.match(text, pos)
        if not unit:
            break
        pos = unit.end()
    sep = _SEP.match(text, pos)
    if not sep:
        return pos
    start = sep.end()
    postcode = _POSTCODE_RE.match(text, start)
    if postcode:
        town_sep = _SEP.match(text, postcode.end())
        town = _CITY.match(text, town_sep.end()) if town_sep else None
        if town and _town_ok(town.group()):
            province = _PROVINCE.match(text, town.end())
            return province.end() if province else town.end()
        return postcode.end()
    town = _CITY.match(text, start)
    if not town or not _town_ok(town.group()):
        return pos
    tail = _AFTER_CITY.match(text, town.end())
    if tail:
        return tail.end()
    if "," in sep.group() or "\n" in sep.group():
        return town.end()
    return pos


def find_addresses(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in _EN_STREET.finditer(text):
        spans.append(Span(ADDRESS, match.start(), _extend(text, match.end()), 0.8))
    for match in _DE_NL_STREET.finditer(text):
        word = match.group("word").lower()
        if word in _DE_NL_FALSE:
            continue
        if word.endswith(_AMBIGUOUS_ENDINGS):
            after = text[match.end():match.end() + 2]
            if after and not re.match(r"\s*$|[\s,.;!?]*(?:$|\n|[A-Z0-9])|[,.;!?\n]", after):
                continue
        spans.append(Span(ADDRESS, match.start(), _extend(text, match.end()), 0.8))
    for match in _US_MILITARY.finditer(text):
        spans.append(Span(ADDRESS, match.start(), match.end(), 0.8))
    for pattern in (_FR_STREET, _ES_IT_STREET):
        for match in pattern.finditer(text):
            spans.append(Span(ADDRESS, match.start(), _extend(text, match.end()), 0.75))
    return spans
