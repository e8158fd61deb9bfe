"""Country and region names: not reported as LOCATION by default.

A country on its own does not identify anyone, and in a bank's support chat it is
what the request is about ("send money to Germany"); redacting it hurts intent
classification. Towns, streets and addresses are still reported.
"""

from __future__ import annotations

_NAMES = """
afghanistan|africa|albania|algeria|america|american samoa|andorra|angola|anguilla|antarctica|
antigua and barbuda|argentina|armenia|aruba|asia|australia|austria|azerbaijan|bahamas|bahrain|
bangladesh|barbados|belarus|belgium|belize|benin|bermuda|bhutan|bolivia|bosnia and herzegovina|
botswana|bouvet island|brazil|britain|british indian ocean territory|british virgin islands|
brunei darussalam|bulgaria|burkina faso|burma|burundi|cabo verde|cambodia|cameroon|canada|
cape verde|cayman islands|central african republic|chad|chile|china|christmas island|cocos islands|
colombia|comoros|congo|cook islands|costa rica|cote d'ivoire|croatia|cuba|cyprus|czech republic|
czechia|denmark|djibouti|dominica|dominican republic|ecuador|egypt|el salvador|england|
equatorial guinea|eritrea|estonia|eswatini|ethiopia|eu|europe|falkland islands|faroe islands|fiji|
finland|france|french guiana|french polynesia|french southern territories|gabon|gambia|georgia|
germany|ghana|gibraltar|great britain|greece|greenland|grenada|guadeloupe|guam|guatemala|guernsey|
guinea|guinea-bissau|guyana|haiti|heard island and mcdonald islands|holland|holy see|honduras|
hong kong|hungary|iceland|india|indonesia|iran|iraq|ireland|isle of man|israel|italy|ivory coast|
jamaica|japan|jersey|jordan|kazakhstan|kenya|kiribati|korea|kosovo|kuwait|kyrgyz republic|
lao people's democratic republic|laos|latin america|latvia|lebanon|lesotho|liberia|libya|
libyan arab jamahiriya|liechtenstein|lithuania|luxembourg|macao|macau|madagascar|malawi|malaysia|
maldives|mali|malta|marshall islands|martinique|mauritania|mauritius|mayotte|mexico|micronesia|
moldova|monaco|mongolia|montenegro|montserrat|morocco|mozambique|myanmar|namibia|nauru|nepal|
netherlands|netherlands antilles|new caledonia|new zealand|nicaragua|niger|nigeria|niue|
norfolk island|north america|north korea|north macedonia|northern ireland|northern mariana islands|
norway|oceania|oman|pakistan|palau|palestine|palestinian territory|panama|papua new guinea|paraguay|
peru|philippines|pitcairn islands|poland|portugal|puerto rico|qatar|reunion|romania|russia|
russian federation|rwanda|saint barthelemy|saint helena|saint kitts and nevis|saint lucia|
saint martin|saint pierre and miquelon|saint vincent and the grenadines|samoa|san marino|
sao tome and principe|saudi arabia|scandinavia|scotland|senegal|serbia|seychelles|sierra leone|
singapore|slovakia|slovenia|solomon islands|somalia|south africa|south america|
south georgia and the south sandwich islands|south korea|spain|sri lanka|sudan|suriname|
svalbard & jan mayen islands|swaziland|sweden|switzerland|syria|syrian arab republic|taiwan|
tajikistan|tanzania|thailand|the caribbean|the middle east|the netherlands|the philippines|
the states|the uae|the uk|the us|the usa|timor-leste|togo|tokelau|tonga|trinidad and tobago|tunisia|
turkey|turkmenistan|turks and caicos islands|tuvalu|u.k.|u.s.|u.s.a.|uae|uganda|uk|ukraine|
united arab emirates|united kingdom|united states minor outlying islands|united states of america|
united states virgin islands|uruguay|us|usa|uzbekistan|vanuatu|vatican|venezuela|vietnam|wales|
wallis and futuna|western sahara|yemen|zambia|zimbabwe
"""
COUNTRIES = frozenset(name.strip() for name in _NAMES.replace("\n", "").split("|") if name.strip())


def is_country(value: str) -> bool:
    lowered = " ".join(value.lower().split())
    return lowered in COUNTRIES or (lowered.startswith("the ") and lowered[4:] in COUNTRIES)
