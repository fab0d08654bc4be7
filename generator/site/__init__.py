"""Stage 3, the site: Markdown pages rendered from the model and the changes (`pages` and its
page modules, Jinja templates under `templates/`, `urls` for every address), the thin MkDocs
adapter (`mkdocs_plugin`), the atomic `build`, `render` for other generators, and the link
check of a built site.
"""
