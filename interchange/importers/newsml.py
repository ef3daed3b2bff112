"""
IPTC NewsML-G2: a newsItem, a packageItem, or a newsMessage carrying several; bodies as XHTML or NITF in inlineXML
(or plain text in inlineData). A bare NITF document, or a contentSet / inlineXML fragment holding one, is read too.

What is not for readers stays out of every public field: edNotes, any element with a `pubconstraint`, dpa's
non-public notepad section and an agency's closing line ("dpa kre/su") all go to `item.internal`.

Packages: a packageItem only lists references. The news items it refers to that are in the same file are returned as
items, and a picture item grouped with a text item becomes that text's image. A package none of whose references are
in the file is returned as an item of its own (headline, dates, references in `internal["package_refs"]`, no body)
when it has a headline, and is a ParseError ("package holds no news item content") when it has none.

Entities are refused (defusedxml): a billion-laughs or external-entity file is a ParseError, never expanded.
"""

import html
import re
from functools import partial
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import defusedxml
import defusedxml.ElementTree
from django.utils.translation import gettext, ngettext

from .base import (
    PUBSTATUSES,
    READ_ERRORS,
    ParsedImage,
    ParsedItem,
    ParseError,
    collapse_space,
    decode_text,
    dimension,
    guarded,
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

FORMAT = "newsml"
NAR_NAMESPACE = b"http://iptc.org/std/nar/2006-10-01/"
NITF_NAMESPACE = b"http://iptc.org/std/NITF/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PICTURE_CLASSES = ("picture", "graphic")
TEASER_ROLES = ("summary", "teaser", "abstract", "lead", "")
CAPTION_ROLES = ("caption", "")
# Body markup that restates metadata (headline, byline, publication time) or is page furniture.
DROPPED_TAGS = frozenset({"head", "header", "h1", "title", "meta", "script", "style", "time", "body.head", "body.end"})
UNWRAPPED_TAGS = frozenset({"html", "body", "section", "div", "article", "main", "block", "body.content", "nitf"})
NITF_RENAMES = {"hl2": "h2", "bq": "blockquote", "credit": "span"}
# NITF's semantic inline markup (people, places, numbers) has no HTML equivalent: its text is kept, the tag is not.
NITF_INLINE = frozenset(
    {
        "person",
        "org",
        "location",
        "event",
        "function",
        "object.title",
        "virtloc",
        "chron",
        "copyrite",
        "num",
        "money",
        "pronounce",
        "classifier",
        "alt-code",
        "lang",
        "frac",
        "frac-num",
        "frac-den",
        "sub",
        "sup",
    }
)
HTML_TAGS = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "span",
        "br",
        "q",
        "cite",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
        "figure",
        "figcaption",
        "dl",
        "dt",
        "dd",
        "pre",
        "code",
        "abbr",
        "small",
        "hr",
    }
)
VOID_TAGS = frozenset({"br", "hr"})
KEPT_ATTRIBUTES = ("href", "title", "dir", "lang", "colspan", "rowspan")


def detect(data, name=""):
    """XML that declares the NewsML-G2 (or NITF) namespace near its start."""
    head = data[:8192]
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return NAR_NAMESPACE in head or NITF_NAMESPACE in head


def parse_each(data, name="", language=None):
    """
    Parse each item of a G2 file: a failing item comes back as its `ParseError`, the others as items; a file that
    cannot be read at all (encoding, XML syntax, entities, not G2) raises `ParseError`.
    """
    try:
        root = _load(data)
        kind = _local(root.tag)
        if kind == "newsMessage":
            elements = [
                child
                for item_set in _children(root, "itemSet")
                for child in item_set
                if _local(child.tag) in ("newsItem", "packageItem")
            ]
            if not elements:
                raise ParseError(gettext("the newsMessage holds no newsItem or packageItem"))
        elif kind in ("newsItem", "packageItem"):
            elements = [root]
        elif kind in ("nitf", "contentSet", "inlineXML"):
            return [guarded(partial(_parse_fragment, root, name, language), name)]
        else:
            raise ParseError(
                gettext("the XML root <{element}> is not a NewsML-G2 item, newsMessage or NITF document").format(
                    element=kind
                )
            )
    except ParseError as error:
        error.item = error.item or name
        raise
    except READ_ERRORS as error:
        raise ParseError(unreadable("file", error), item=name) from None
    news = [element for element in elements if _local(element.tag) == "newsItem"]
    packages = [element for element in elements if _local(element.tag) == "packageItem"]
    results = {
        id(element): guarded(partial(_parse_news_item, element, language), _guid(element, name)) for element in news
    }
    by_guid = {element.get("guid"): results[id(element)] for element in news}
    absorbed = set()
    output = []
    for package in packages:
        refs = _package_refs(package)
        contained = [ref for ref in refs if ref["residref"] in by_guid]
        if contained:
            absorbed |= _attach_pictures(contained, by_guid)
        else:
            output.append(guarded(partial(_parse_lone_package, package, refs, language), _guid(package, name)))
    output = [results[id(element)] for element in news if element.get("guid") not in absorbed] + output
    return output


parse = strict(parse_each)


def _load(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        match = re.match(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']", data)
        encoding = match.group(1).decode("ascii") if match else "utf-8"
    text = decode_text(data, encoding, gettext("the XML file"))
    # The declaration has done its work; expat would otherwise re-read the already decoded text by it.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        return defusedxml.ElementTree.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as error:
        raise ParseError(
            gettext("the XML declares entities ({error}); entity expansion and external entities are refused").format(
                error=type(error).__name__
            )
        ) from None
    except XMLSyntaxError as error:
        raise ParseError(gettext("the file is not well-formed XML: {error}").format(error=error)) from None
    except RecursionError:
        raise ParseError(gettext("the XML is nested too deeply")) from None


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name):
    return [child for child in element if _local(child.tag) == name] if element is not None else []


def _child(element, name):
    children = _children(element, name)
    return children[0] if children else None


def _text(element, separator=""):
    """An element's text, whitespace collapsed; block-level notes join their parts with a space."""
    return collapse_space(separator.join(element.itertext())) if element is not None else ""


def _markup_text(text):
    # Indentation inside XML bodies is not content: runs of whitespace are one space, as a browser shows them.
    return html.escape(re.sub(r"[ \t\r\n]+", " ", text or ""), quote=False)


def _attribute(element, name, attribute):
    child = _child(element, name)
    return child.get(attribute, "") if child is not None else ""


def _pubstatus(item_meta):
    status = _code(_attribute(item_meta, "pubStatus", "qcode")) or "usable"
    if status not in PUBSTATUSES:
        raise ParseError(
            gettext("pubStatus must be stat:usable, stat:withheld or stat:canceled, not {value}").format(
                value=repr(status[:20])
            )
        )
    return status


def _code(qcode):
    """The code part of a QCode ("stat:usable" -> "usable")."""
    return (qcode or "").rsplit(":", 1)[-1].strip().lower()


def _guid(element, fallback):
    return element.get("guid") or fallback


def _is_nonpublic(element):
    if element.get("pubconstraint"):
        return True
    classes = (element.get("class") or "").split()
    return any(name in classes for name in ("np-nonpublic", "nonpublic", "non-public"))


def _public(elements, internal):
    """The elements that may be published; the others are kept in `internal["nonpublic"]`."""
    public = []
    for element in elements:
        if _is_nonpublic(element):
            internal.setdefault("nonpublic", []).append(
                {"element": _local(element.tag), "role": element.get("role", ""), "text": _text(element, " ")}
            )
        else:
            public.append(element)
    return public


def _date(element, name, warnings):
    node = _child(element, name)
    value = _text(node)
    return parse_datetime_value(value, name, warnings) if value else None


def _names(elements, language):
    """A party's or concept's name in the item's language if it has several, else its first name or code."""
    names = []
    for element in elements:
        labels = _children(element, "name")
        chosen = next((label for label in labels if normalize_language(label.get(XML_LANG)) == language), None)
        chosen = chosen if chosen is not None else (labels[0] if labels else None)
        value = _text(chosen) or collapse_space(element.get("literal", "")) or (element.get("qcode") or "").strip()
        if value:
            names.append(value)
    return names


def _descriptions(content_meta, internal):
    """contentMeta descriptions by role code ("summary", "caption", "" for none), public ones only."""
    found = {}
    for description in _public(_children(content_meta, "description"), internal):
        found.setdefault(_code(description.get("role")), _text(description))
    return found


def _pick(descriptions, roles):
    return next((descriptions[role] for role in roles if descriptions.get(role)), "")


def _headline(content_meta, internal):
    headlines = _public(_children(content_meta, "headline"), internal)

    def rank(element):
        try:
            return int(element.get("rank") or 1)
        except ValueError:
            return 1

    headlines.sort(key=rank)
    return _text(headlines[0]) if headlines else ""


def _ednotes(item_meta, internal):
    for note in _children(item_meta, "edNote"):
        role = note.get("role", "")
        internal.setdefault("ednotes", []).append(
            {"role": role, "text": _text(note, " "), "nonpublic": bool(note.get("pubconstraint"))}
        )
        if role.lower().endswith("closingline") and _text(note):
            internal.setdefault("closing_line", _text(note))


def _to_html(element, internal, found, renames):
    """XHTML or NITF body markup as HTML; non-public parts go to `internal`, teaser paragraphs to `found`."""
    local = _local(element.tag)
    tail = _markup_text(element.tail)
    classes = (element.get("class") or "").split()
    if _is_nonpublic(element):
        internal.setdefault("nonpublic", []).append({"element": local, "role": "", "text": _text(element, " ")})
        return tail
    if "closingline" in classes:
        internal.setdefault("closing_line", _text(element))
        return tail
    if local == "note":  # NITF editorial notes are for the newsroom
        internal.setdefault("ednotes", []).append({"role": element.get("noteclass", ""), "text": _text(element, " ")})
        return tail
    if local == "p" and "teaser" in classes:
        found.setdefault("teaser", _text(element))
        return tail
    if local in DROPPED_TAGS or local == "media":
        return tail
    inner = _markup_text(element.text) + "".join(_to_html(child, internal, found, renames) for child in element)
    local = renames.get(local, local)
    if local in UNWRAPPED_TAGS or local in NITF_INLINE or local not in HTML_TAGS:
        return inner + tail
    attributes = "".join(
        f' {name}="{html.escape(element.get(name), quote=True)}"' for name in KEPT_ATTRIBUTES if element.get(name)
    )
    if local in VOID_TAGS:
        return f"<{local}{attributes}>{tail}"
    return f"<{local}{attributes}>{inner}</{local}>{tail}"


def _nitf_head(nitf, found, internal):
    """Headline, byline, dateline and abstract from NITF's body.head, and its doc-id and ed-msg from head."""
    body_head = _child(_child(nitf, "body"), "body.head")
    hedline = _child(body_head, "hedline")
    found.setdefault("headline", _text(_child(hedline, "hl1")))
    found.setdefault("byline", _text(_child(body_head, "byline")))
    found.setdefault("dateline", _text(_child(body_head, "dateline")))
    found.setdefault("abstract", _text(_child(body_head, "abstract")))
    docdata = _child(_child(nitf, "head"), "docdata")
    doc_id = _child(docdata, "doc-id")
    if doc_id is not None and doc_id.get("id-string"):
        found.setdefault("doc_id", doc_id.get("id-string").strip())
    for message in _children(docdata, "ed-msg"):
        internal.setdefault("ednotes", []).append(
            {"role": message.get("msg-type", ""), "text": message.get("info", "")}
        )


def _inline_html(root, internal, found):
    """One inlineXML child (an XHTML document or fragment, or NITF) as HTML."""
    if _local(root.tag) != "nitf":
        return _to_html(root, internal, found, {})
    _nitf_head(root, found, internal)
    body = _child(root, "body")
    content = "".join(_to_html(child, internal, found, NITF_RENAMES) for child in _children(body, "body.content"))
    tagline = _text(_child(_child(body, "body.end"), "tagline"))
    return content + (f"<p>{html.escape(tagline, quote=False)}</p>" if tagline else "")


def _body(nodes, internal, found):
    """The first inlineXML, inlineData (or bare NITF) among the nodes that yields a body, as HTML."""
    for node in nodes if nodes is not None else []:
        local = _local(node.tag)
        roots = list(node) if local == "inlineXML" else [node] if local == "nitf" else []
        for root in roots:
            # Dropped elements leave their neighbours' whitespace behind.
            content = re.sub(r" {2,}", " ", _inline_html(root, internal, found)).strip()
            if content:
                return content
        if local == "inlineData" and (node.text or "").strip():
            content_type = (node.get("contenttype") or "text/plain").lower()
            return node.text.strip() if "html" in content_type else text_to_html(node.text)
    return ""


def _remote_image(content_set, warnings):
    """The largest remoteContent rendition as a ParsedImage (link and size only)."""
    best = largest(
        (
            (node.get("href") or node.get("residref") or "").strip(),
            dimension(node.get("width")),
            dimension(node.get("height")),
        )
        for node in _children(content_set, "remoteContent")
    )
    if best is None:
        return None
    href, width, height = best
    image = ParsedImage(width=width, height=height, placement="lead")
    locate_picture(href, image, warnings)
    return image


def _language(element, content_meta, language):
    """The override, else contentMeta/language, else xml:lang on the item or (for packages) on its headline."""
    tag = _child(content_meta, "language")
    headline = _child(content_meta, "headline")
    return (
        normalize_language(language)
        or normalize_language(tag.get("tag") if tag is not None else "")
        or normalize_language(element.get(XML_LANG))
        or normalize_language(headline.get(XML_LANG) if headline is not None else "")
    )


def _parse_news_item(element, language):
    guid = (element.get("guid") or "").strip()
    if not guid:
        raise ParseError(gettext("the newsItem has no guid"))
    item_meta, content_meta = _child(element, "itemMeta"), _child(element, "contentMeta")
    warnings, internal, found = [], {}, {}
    if item_meta is None:
        raise ParseError(gettext("the newsItem has no itemMeta"))
    _ednotes(item_meta, internal)
    item_language = _language(element, content_meta, language)
    descriptions = _descriptions(content_meta, internal)
    headline = _headline(content_meta, internal)
    item_class = _code(_attribute(item_meta, "itemClass", "qcode"))
    status = _pubstatus(item_meta)
    by = _public(_children(content_meta, "by"), internal)
    creditline = _text(next(iter(_public(_children(content_meta, "creditline"), internal)), None))
    dateline = _text(next(iter(_public(_children(content_meta, "dateline"), internal)), None))
    content_set = _child(element, "contentSet")
    images = []
    if item_class in PICTURE_CLASSES:
        body_html = ""
        image = _remote_image(content_set, warnings) or ParsedImage(placement="lead")
        image.identifier = guid
        image.caption = _pick(descriptions, CAPTION_ROLES)
        image.credit = (
            creditline
            or _text(by[0] if by else None)
            or ", ".join(_names(_children(content_meta, "creator"), item_language))
        )
        image.archive_title = headline
        images.append(image)
        teaser = _pick(descriptions, [role for role in TEASER_ROLES if role])
    else:
        body_html, closing_line = strip_closing_line(_body(content_set, internal, found))
        if closing_line:
            internal["closing_line"] = closing_line
        teaser = _pick(descriptions, TEASER_ROLES) or found.get("teaser", "") or found.get("abstract", "")
    headline = headline or found.get("headline", "")
    if not headline:
        raise ParseError(gettext("the newsItem has no headline"))
    if not item_language:
        warnings.append(gettext("the item names no language"))
    byline = (
        _text(by[0])
        if by
        else found.get("byline") or ", ".join(_names(_children(content_meta, "creator"), item_language))
    )
    agencies = _names(_children(content_meta, "infoSource"), item_language)
    if not agencies and creditline and len(creditline) <= 40:
        agencies = [creditline]
    if not agencies:
        agencies = _names(_children(item_meta, "provider"), item_language)[:1]
        agencies = [name for name in agencies if ":" not in name]  # a bare provider QCode names no one
    version_created = _date(item_meta, "versionCreated", warnings)
    published = _date(item_meta, "firstCreated", warnings) or _date(content_meta, "contentCreated", warnings)
    located = _names(_children(content_meta, "located"), item_language)
    return ParsedItem(
        identifier=guid,
        language=item_language,
        headline=headline,
        format=FORMAT,
        teaser=teaser,
        body_html=body_html,
        published_at=published or version_created,
        updated_at=version_created,
        version=(element.get("version") or "").strip(),
        agencies=agencies,
        categories=_names(_public(_children(content_meta, "subject"), internal), item_language),
        topics=_topics(content_meta, internal, item_language),
        urgency=_urgency(content_meta, headline),
        byline=byline,
        dateline=_clean_dateline(dateline or found.get("dateline", "") or (located[0] if located else "")),
        images=images,
        embargoed_until=_date(item_meta, "embargoed", warnings),
        pubstatus=status,
        internal=internal,
        warnings=warnings,
    )


def _topics(content_meta, internal, language):
    """Subjects that have a name (a bare QCode names no topic) and keywords, in the item's language."""
    subjects = [
        subject for subject in _public(_children(content_meta, "subject"), internal) if _children(subject, "name")
    ]
    keywords = [_text(keyword) for keyword in _public(_children(content_meta, "keyword"), internal)]
    return unique([*_names(subjects, language), *keywords])


def _urgency(content_meta, headline):
    urgency = urgency_of(_text(_child(content_meta, "urgency")))
    if urgency is None and is_flash(headline):
        return 1
    return urgency


def _clean_dateline(dateline):
    return re.sub(r"[\s\-–—:]+$", "", dateline).strip()


def _package_refs(package):
    refs = []
    for ref in package.iter():
        if _local(ref.tag) == "itemRef" and ref.get("residref"):
            refs.append(
                {
                    "residref": ref.get("residref"),
                    "item_class": _code(_attribute(ref, "itemClass", "qcode")),
                    "title": _text(_child(ref, "title")),
                }
            )
    return refs


def _attach_pictures(refs, by_guid):
    """Pictures grouped with a text item in one package become its images; returns the guids attached."""
    texts = [
        by_guid[ref["residref"]]
        for ref in refs
        if isinstance(by_guid[ref["residref"]], ParsedItem) and not _is_picture(by_guid[ref["residref"]])
    ]
    if not texts:
        return set()
    attached = set()
    for ref in refs:
        picture = by_guid[ref["residref"]]
        if isinstance(picture, ParsedItem) and _is_picture(picture):
            image = picture.images[0]
            image.placement = "lead" if not texts[0].images else "inline"
            texts[0].images.append(image)
            attached.add(ref["residref"])
    return attached


def _is_picture(item):
    return not item.body_html and len(item.images) == 1 and item.images[0].identifier == item.identifier


def _parse_lone_package(package, refs, language):
    guid = (package.get("guid") or "").strip()
    if not guid:
        raise ParseError(gettext("the packageItem has no guid"))
    item_meta, content_meta = _child(package, "itemMeta"), _child(package, "contentMeta")
    warnings, internal = [], {}
    _ednotes(item_meta, internal)
    headline = _headline(content_meta, internal)
    if not headline:
        raise ParseError(gettext("package holds no news item content"))
    item_language = _language(package, content_meta, language)
    if not item_language:
        warnings.append(gettext("the item names no language"))
    internal["package_refs"] = refs
    warnings.append(
        ngettext(
            "the package refers to {count} item that is not in this file",
            "the package refers to {count} items that are not in this file",
            len(refs),
        ).format(count=len(refs))
    )
    status = _pubstatus(item_meta)
    version_created = _date(item_meta, "versionCreated", warnings)
    return ParsedItem(
        identifier=guid,
        language=item_language,
        headline=headline,
        format=FORMAT,
        teaser=_pick(_descriptions(content_meta, internal), TEASER_ROLES),
        published_at=_date(item_meta, "firstCreated", warnings) or version_created,
        updated_at=version_created,
        version=(package.get("version") or "").strip(),
        embargoed_until=_date(item_meta, "embargoed", warnings),
        pubstatus=status,
        internal=internal,
        warnings=warnings,
    )


def _parse_fragment(root, name, language):
    """A bare NITF document or a contentSet / inlineXML fragment: no G2 metadata, so NITF's head must do."""
    internal, found, warnings = {}, {}, []
    nodes = list(root) if _local(root.tag) == "contentSet" else [root]
    body_html, closing_line = strip_closing_line(_body(nodes, internal, found))
    if closing_line:
        internal["closing_line"] = closing_line
    headline = found.get("headline", "")
    if not headline:
        raise ParseError(gettext("the NITF document has no headline (hl1)"))
    identifier = found.get("doc_id", "")
    if not identifier:
        if not name:
            raise ParseError(gettext("the NITF document has no doc-id and the file no name to stand in for it"))
        identifier = name
        warnings.append(gettext("the document has no identifier of its own; the file name stands in for it"))
    nitf = next((node for node in root.iter() if _local(node.tag) == "nitf"), root)
    item_language = normalize_language(language) or normalize_language(nitf.get(XML_LANG))
    if not item_language:
        warnings.append(gettext("the item names no language"))
    return ParsedItem(
        identifier=identifier,
        language=item_language,
        headline=headline,
        format=FORMAT,
        teaser=found.get("teaser", "") or found.get("abstract", ""),
        body_html=body_html,
        byline=found.get("byline", ""),
        dateline=_clean_dateline(found.get("dateline", "")),
        internal=internal,
        warnings=warnings,
    )
