"""
Search over articles in Arabic and German.

Arabic is normalised the same way when text is indexed and when a reader types a query: hamza forms of alef become
bare alef, taa marbuta becomes haa, alef maqsura becomes yaa, and diacritics and tatweel go, so `الرقه` finds `الرقة`.
"""
import re
import unicodedata

ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
TATWEEL = "\u0640"
ARABIC_LETTER_MAP = str.maketrans({
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0671": "\u0627",  # ٱ -> ا
    "\u0629": "\u0647",  # ة -> ه
    "\u0649": "\u064a",  # ى -> ي
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
})


def normalize(text):
    """Fold `text` for matching: Arabic letter variants and marks, case, and Unicode compatibility forms."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = ARABIC_DIACRITICS.sub("", text).replace(TATWEEL, "")
    text = text.translate(ARABIC_LETTER_MAP)
    return " ".join(text.casefold().split())
