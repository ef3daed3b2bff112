"""Articles written out in exchange formats (ninjs); the API and `export_articles` use them."""
