"""Stage 4, the site: Markdown pages rendered from the model and the changes (`pages` and
its page modules, Jinja templates under `templates/`), the thin MkDocs adapter
(`mkdocs_plugin`), the atomic `build`, `render` for other MkDocs-compatible generators, and
the link check of a built site. With `build`, the only modules that import MkDocs.
"""
