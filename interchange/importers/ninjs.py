"""
IPTC ninjs (News in JSON) 1.x, 2.x and 3.x.

A file holds one ninjs object or a list of them. 3.x spells its properties in camelCase (`versionCreated`, `altIds`,
`pubStatus`, `embargoedUntil`); the parser lower-cases property names, so one reader serves every version, and tells
the versions apart where they differ in shape (1.x: `headline`, `body_html`, `description_text`, `byline`, and
`associations` / `renditions` / `altids` as objects keyed by name).

Validation follows IPTC's schemas where the importer depends on the data: `uri` is required, the fields read must have
the documented types, `pubstatus` must be one of its three values, dates must be date-times, and an association must
be an object with a `uri` and only ninjs properties (an association is where a picture's caption and credit come from,
so one that does not follow the standard is rejected rather than guessed at). Unknown top-level properties are vendor
extensions in practice and are only reported in `warnings`.
"""

import json
import re

import lxml.html
from django.utils.translation import gettext

from .base import (
    PUBSTATUSES,
    READ_ERRORS,
    ParsedImage,
    ParsedItem,
    ParseError,
    collapse_space,
    decode_text,
    dimension,
    is_flash,
    largest,
    locate_picture,
    normalize_language,
    parse_datetime_value,
    strict,
    strip_closing_line,
    text_to_html,
    unique,
    unreadable,
    urgency_of,
)

FORMAT = "ninjs"

# Property names of ninjs 1.x, 2.x and 3.x, lower-cased.
KNOWN_PROPERTIES = frozenset(
    """
    $schema $standard altids associations bodies by byline charcount contentcreated copyrightholder copyrightnotice
    descriptions digitalsourcetype ednote embargoed embargoeduntil event eventdetails events expires firstcreated
    genre genres headline headlines infosource infosources language located mimetype object objects organisation
    organisations people person place places plannedcoverage profile pubstatus renditions representationtype
    rightsinfo slugline standard subject subjects title trustindicator trustindicators type urgency uri usageterms
    version versioncreated wordcount
    """.split()
)
ASSOCIATION_PROPERTIES = KNOWN_PROPERTIES | {"name", "rel"}
# 1.x free-form suffixed properties (body_html, description_text, headline_short).
PATTERN_PROPERTY_RE = re.compile(r"^(?:body|description|headline)_[a-z0-9_]+$")
PICTURE_TYPES = ("picture", "graphic")
SUMMARY_ROLES = ("summary", "abstract", "teaser", "lead", "lede")
CAPTION_ROLES = ("caption", "summary", "text", "description", "main", "")
SHORT_CODE_ROLES = ("shortcode", "shortid", "shortlink", "shorturl", "short")
HTML_TYPES = ("html", "xhtml", "xml")
CATEGORY_URI = "urn:newsroom:category:"


def detect(data, name=""):
    """A JSON object (or list of them) with a ninjs `uri` and headlines or bodies near the start."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"{", b"[")):
        return False
    return b'"uri"' in head and any(
        marker in head
        for marker in (
            b'"headlines"',
            b'"headline"',
            b'"bodies"',
            b'"body_',
            b'"versioncreated"',
            b'"versionCreated"',
            b"ninjs",
        )
    )


def parse_each(data, name="", language=None):
    """
    Parse each ninjs object of a file: a failing object comes back as its `ParseError`, the others as items; a file
    that cannot be read at all (encoding, JSON syntax, no items) raises `ParseError`.
    """
    try:
        text = decode_text(data, "utf-8", gettext("the ninjs file"))
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ParseError(
                gettext("the file is not valid JSON: {error} at line {line} column {column}").format(
                    error=error.msg, line=error.lineno, column=error.colno
                )
            ) from None
        except RecursionError:
            raise ParseError(gettext("the JSON is nested too deeply")) from None
        objects = document if isinstance(document, list) else [document]
        if not objects:
            raise ParseError(gettext("the file holds no ninjs items"))
    except ParseError as error:
        error.item = error.item or name
        raise
    results = []
    for index, obj in enumerate(objects):
        label = f"{name} item {index + 1}" if len(objects) > 1 else name
        try:
            results.append(_parse_object(obj, language))
        except ParseError as error:
            error.item = _item_label(obj, label)
            results.append(error)
        except READ_ERRORS as error:
            results.append(ParseError(unreadable("item", error), item=_item_label(obj, label)))
    return results


parse = strict(parse_each)


def _item_label(obj, fallback):
    uri = obj.get("uri") if isinstance(obj, dict) else None
    return uri if isinstance(uri, str) and uri.strip() else fallback


def _detect_version(obj):
    schema = obj.get("$schema") or obj.get("$standard") or obj.get("standard")
    if isinstance(schema, dict):
        schema = schema.get("schema") or schema.get("version") or ""
    if isinstance(schema, str):
        match = re.search(r"(?:schema_|^)([123])(?:\.\d+)?(?:\.json|#|$)", schema.strip())
        if match:
            return int(match.group(1))
    if any(key != key.lower() for key in obj):
        return 3
    if "headline" in obj or "byline" in obj or "subject" in obj or any(PATTERN_PROPERTY_RE.match(k) for k in obj):
        return 1
    if isinstance(obj.get("associations"), dict) or isinstance(obj.get("renditions"), dict):
        return 1
    return 2


def _lower_keys(value, depth=0):
    """ninjs 3.x camelCase property names as their 2.x spelling, at every level."""
    if depth > 50:
        raise ParseError(gettext("the ninjs object is nested too deeply"))
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item, depth + 1) for item in value]
    return value


def _string(obj, key, where=""):
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ParseError(gettext("{property} must be a string").format(property=f"{where}{key}"))
    return str(value).strip()


def _objects(obj, key, where="", keyed=False):
    """A list of objects (or, for 1.x, an object of named objects); anything else is a ParseError."""
    value = obj.get(key)
    if value is None:
        return []
    if keyed and isinstance(value, dict):
        items = []
        for name, item in value.items():
            if isinstance(item, dict):
                item = {"name": name, **item}
            items.append(item)
    elif isinstance(value, list):
        items = value
    else:
        raise ParseError(gettext("{property} must be a list of objects").format(property=f"{where}{key}"))
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(gettext("{property} must be an object").format(property=f"{where}{key}[{index}]"))
    return items


def _texts(obj, key, where=""):
    """headlines / descriptions / bodies: objects with a string `value`, returned as (role, contenttype, value)."""
    texts = []
    for index, entry in enumerate(_objects(obj, key, where)):
        value = entry.get("value")
        if not isinstance(value, str):
            raise ParseError(gettext("{property} has no string value").format(property=f"{where}{key}[{index}]"))
        role = _string(entry, "role", f"{where}{key}[{index}].").lower()
        content_type = _string(entry, "contenttype", f"{where}{key}[{index}].").lower()
        texts.append((role, content_type, value))
    return texts


def _is_html(content_type, role=""):
    return any(kind in content_type for kind in HTML_TYPES) or (not content_type and role in ("html", "xhtml"))


def _plain(content_type, value, role=""):
    """A description or headline as plain text, whatever its content type."""
    if _is_html(content_type, role):
        if not value.strip():
            return ""
        return collapse_space(lxml.html.fragment_fromstring(value, create_parent="div").text_content())
    return collapse_space(value)


def _headline(obj, version):
    if version == 1:
        return collapse_space(_string(obj, "headline"))
    texts = _texts(obj, "headlines")
    for role, content_type, value in texts:
        if role == "main":
            return _plain(content_type, value)
    return _plain(texts[0][1], texts[0][2]) if texts else ""


def _description(obj, version, roles, where=""):
    if version == 1:
        for key in ("description_text", "description_summary", "description_caption"):
            if key in obj:
                return collapse_space(_string(obj, key, where))
        for key in sorted(obj):
            if key.startswith("description_") and "html" in key:
                return _plain("text/html", _string(obj, key, where))
        return ""
    texts = _texts(obj, "descriptions", where)
    # Plain text first: the teaser and captions are stored as text.
    texts.sort(key=lambda text: _is_html(text[1], text[0]))
    for wanted in roles:
        for role, content_type, value in texts:
            if role == wanted:
                return _plain(content_type, value, role)
    return ""


def _body(obj, version):
    if version == 1:
        for key in sorted(obj, key=lambda key: ("html" not in key, key)):
            if key.startswith("body_"):
                value = _string(obj, key)
                return value if "html" in key else text_to_html(value)
        return ""
    texts = _texts(obj, "bodies")
    for role, content_type, value in texts:
        if _is_html(content_type, role):
            return value.strip()
    for _role, content_type, value in texts:
        if not content_type or content_type.startswith("text/"):
            return text_to_html(value)
    return ""


def _concepts(obj, key, version):
    """Subject-like concepts as strings: the name, else the literal, code or uri."""
    names = []
    for index, concept in enumerate(_objects(obj, key)):
        for field in ("name", "literal", "code", "uri"):
            value = collapse_space(_string(concept, field, f"{key}[{index}]."))
            if value:
                names.append(value)
                break
    return names


def _topics(obj, version):
    """Subjects by name (codes and uris name no topic) and keywords, as the item spells them."""
    key = "subject" if version == 1 and "subject" in obj else "subjects"
    names = []
    for index, concept in enumerate(_objects(obj, key)):
        # Our own export lists categories as subjects too; they come back as categories, not topics.
        if not _string(concept, "uri", f"{key}[{index}].").startswith(CATEGORY_URI):
            names.append(_string(concept, "name", f"{key}[{index}]."))
    keywords = obj.get("keywords") or []
    if not isinstance(keywords, list):
        raise ParseError(gettext("{property} must be a list of strings").format(property="keywords"))
    names.extend(keyword for keyword in keywords if isinstance(keyword, str))
    return unique(names)


def _urgency(obj, headline):
    # Some agencies send "priority" where ninjs has "urgency"; both count 1 as the most urgent.
    urgency = urgency_of(obj.get("urgency")) or urgency_of(obj.get("priority"))
    if urgency is None and is_flash(headline):
        return 1
    return urgency


def _short_code(obj, version):
    altids = obj.get("altids")
    if altids is None:
        return ""
    if isinstance(altids, dict):  # 1.x: {"role": "value"}
        pairs = [(str(role), value) for role, value in altids.items()]
    elif isinstance(altids, list):
        pairs = []
        for index, altid in enumerate(altids):
            if not isinstance(altid, dict):
                raise ParseError(gettext("{property} must be an object").format(property=f"altids[{index}]"))
            pairs.append((_string(altid, "role", f"altids[{index}]."), altid.get("value")))
    else:
        raise ParseError(gettext("{property} must be a list of objects").format(property="altids"))
    for role, value in pairs:
        if re.sub(r"[^a-z]", "", role.lower()) in SHORT_CODE_ROLES and isinstance(value, str) and value.strip():
            value = value.strip()
            # A short link ("https://p.dw.com/p/4abCd") stands for its code.
            match = re.search(r"/p/([A-Za-z0-9]+)/?$", value)
            return match.group(1) if match else value
    return ""


def _agencies(obj, version):
    key = "infosource" if version == 1 and "infosource" in obj else "infosources"
    agencies = [name for name in _concepts(obj, key, version) if name]
    if agencies:
        return agencies
    holder = collapse_space(_string(obj, "copyrightholder"))
    # A copyright holder stands in for the source only when it looks like an agency's name, not a notice.
    if holder and len(holder) <= 40 and not re.search(r"(?i)©|\(c\)|copyright|rights|\d{4}", holder):
        return [holder]
    return []


def _date(obj, key, warnings):
    value = obj.get(key)
    if value in (None, ""):
        return None
    return parse_datetime_value(value, key, warnings)


def _picture(association, index, version, warnings):
    where = f"associations[{index}]"
    caption = _description(association, version, CAPTION_ROLES, f"{where}.")
    credit = collapse_space(_string(association, "copyrightholder", f"{where}.")) or collapse_space(
        _string(association, "by" if version > 1 else "byline", f"{where}.")
    )
    placement, paragraph = _position(_string(association, "name", f"{where}."), index)
    image = ParsedImage(
        identifier=_string(association, "uri", f"{where}."),
        caption=caption,
        alt_text=_description(association, version, ("alt", "alttext", "alternative"), f"{where}.")
        if version > 1
        else "",
        credit=credit,
        archive_title=_headline(association, version),
        placement=placement,
        paragraph=paragraph,
    )
    candidates = []
    for number, rendition in enumerate(_objects(association, "renditions", f"{where}.", keyed=True)):
        href = rendition.get("href")
        if href is not None and not isinstance(href, str):
            raise ParseError(
                gettext("{property} must be a string").format(property=f"{where}.renditions[{number}].href")
            )
        candidates.append(((href or "").strip(), dimension(rendition.get("width")), dimension(rendition.get("height"))))
    if best := largest(candidates):
        href, image.width, image.height = best
        locate_picture(href, image, warnings, where)
    return image


def _position(name, index):
    """Where a picture stands: our own export names it `lead` or `inline-after-N`; otherwise the first leads."""
    if match := re.fullmatch(r"inline-after-(\d{1,4})", name):
        return "inline", int(match[1])
    if name in ("lead", "featureimage", "featuremedia"):
        return "lead", 0
    return ("lead" if index == 0 else "inline"), 0


def _images(obj, version, warnings):
    associations = _objects(obj, "associations", keyed=version == 1)
    images = []
    for index, association in enumerate(associations):
        where = f"associations[{index}]"
        uri = association.get("uri")
        if not isinstance(uri, str) or not uri.strip():
            raise ParseError(gettext("{property} has no uri (every association needs one)").format(property=where))
        unknown = sorted(
            key for key in association if key not in ASSOCIATION_PROPERTIES and not PATTERN_PROPERTY_RE.match(key)
        )
        if unknown:
            raise ParseError(
                gettext("{property} has properties ninjs does not define: {names}").format(
                    property=where, names=", ".join(unknown[:5])
                )
            )
        kind = _string(association, "type", f"{where}.").lower()
        if kind in PICTURE_TYPES:
            images.append(_picture(association, len(images), version, warnings))
        else:
            warnings.append(
                gettext("{property}: an association of type {kind} is not imported").format(
                    property=where, kind=repr(kind)
                )
            )
    return images


def _parse_object(obj, language):
    if not isinstance(obj, dict):
        raise ParseError(gettext("a ninjs item must be a JSON object"))
    version = _detect_version(obj)
    obj = _lower_keys(obj)
    warnings = []
    unknown = sorted(key for key in obj if key not in KNOWN_PROPERTIES and not PATTERN_PROPERTY_RE.match(key))
    if unknown:
        warnings.append(
            gettext("properties ninjs does not define were ignored: {names}").format(names=", ".join(unknown[:10]))
        )
    identifier = obj.get("uri")
    if not isinstance(identifier, str) or not identifier.strip():
        raise ParseError(gettext("the item has no uri (ninjs requires one, as a string)"))
    identifier = identifier.strip()
    headline = _headline(obj, version)
    if not headline:
        raise ParseError(gettext("the item has no headline"))
    pubstatus = _string(obj, "pubstatus").lower() or "usable"
    if pubstatus not in PUBSTATUSES:
        raise ParseError(
            gettext("pubstatus must be one of {values}, not {value}").format(
                values=", ".join(PUBSTATUSES), value=repr(pubstatus[:20])
            )
        )
    item_language = normalize_language(language) or normalize_language(_string(obj, "language"))
    if not item_language:
        warnings.append(gettext("the item names no language"))
    version_created = _date(obj, "versioncreated", warnings)
    first_created = _date(obj, "firstcreated", warnings) or _date(obj, "contentcreated", warnings)
    embargoed = _date(obj, "embargoeduntil", warnings) or _date(obj, "embargoed", warnings)
    body_html, closing_line = strip_closing_line(_body(obj, version))
    internal = {}
    ednote = _string(obj, "ednote")
    if ednote:
        internal["ednotes"] = [{"role": "", "text": ednote}]
    if closing_line:
        internal["closing_line"] = closing_line
    byline = collapse_space(_string(obj, "by" if "by" in obj else "byline"))
    return ParsedItem(
        identifier=identifier,
        language=item_language,
        headline=headline,
        format=FORMAT,
        teaser=_description(obj, version, SUMMARY_ROLES + ("", "text", "main", "description")),
        body_html=body_html,
        short_code=_short_code(obj, version),
        published_at=first_created,
        updated_at=version_created,
        version=_string(obj, "version"),
        initials=_description(obj, version, ("initials",)) if version > 1 else "",
        agencies=_agencies(obj, version),
        categories=_concepts(obj, "subject" if version == 1 and "subject" in obj else "subjects", version),
        topics=_topics(obj, version),
        urgency=_urgency(obj, headline),
        byline=byline,
        dateline=collapse_space(_string(obj, "located")),
        images=_images(obj, version, warnings),
        embargoed_until=embargoed,
        pubstatus=pubstatus,
        internal=internal,
        warnings=warnings,
    )
