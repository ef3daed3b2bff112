"""
What the public addresses match: names that hold no NUL, and ids a 64-bit column can hold.

A NUL reached PostgreSQL through a slug or a short code and came back as an error, where SQLite simply found
nothing; an article id of twenty digits overflowed the page's prepared query. Neither is an address of ours, so
neither matches: the answer is the 404 page.
"""

from django.urls import converters, register_converter


class NameConverter(converters.StringConverter):
    regex = "[^/\x00]+"


class IdConverter(converters.IntConverter):
    regex = "[0-9]{1,18}"


register_converter(NameConverter, "name")
register_converter(IdConverter, "id")
