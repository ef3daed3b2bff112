"""
The newsroom's three roles as permission lists: reporter, editor, chief editor.

The data migration creates a group per role from these lists and the tests check each role against them, so a role
changes here and nowhere else (then in a new data migration).
"""

VIEW = [
    "articles.view_source",
    "articles.view_category",
    "articles.view_image",
    "articles.view_caption",
    "articles.view_articlesource",
    "workflow.view_correction",
]
REPORTER = [
    *VIEW,
    "articles.view_article",
    "articles.add_article",
    "articles.change_article",
    "articles.submit_article",
    "articles.add_image",
    "articles.change_image",
    "articles.add_caption",
    "articles.change_caption",
    "articles.delete_caption",
    "articles.add_articlesource",
    "articles.change_articlesource",
    "articles.delete_articlesource",
    # Reporters see what an agency sent for their drafts; editors apply or discard it.
    "interchange.view_pendingupdate",
    # The incoming wire: every reporter reads it, uses items (which makes articles) and sets their state.
    "interchange.view_wireitem",
    "interchange.change_wireitem",
    # Topics come with imports; translations are started and marked done at the desk.
    "articles.view_topic",
    "articles.view_translationsource",
    "articles.add_translationsource",
    "articles.change_translationsource",
]
EDITOR = [
    *REPORTER,
    "articles.publish_article",
    "articles.schedule_article",
    "articles.correct_article",
    "workflow.view_editlock",
    "workflow.view_jobrun",
    # Agency updates held for review: an editor compares them with the article and applies or discards them.
    "interchange.change_pendingupdate",
    "interchange.delete_pendingupdate",
    "interchange.view_feed",
    "articles.add_topic",
    "articles.change_topic",
]
CHIEF_EDITOR = [
    *EDITOR,
    "articles.delete_article",
    "articles.take_over_lock",
    "articles.delete_image",
    "articles.add_source",
    "articles.change_source",
    "articles.delete_source",
    "articles.add_category",
    "articles.change_category",
    "articles.delete_category",
    "articles.delete_topic",
    "interchange.add_feed",
    "interchange.change_feed",
    "interchange.delete_feed",
    "interchange.delete_wireitem",
]
ROLES = {"reporter": REPORTER, "editor": EDITOR, "chief editor": CHIEF_EDITOR}
