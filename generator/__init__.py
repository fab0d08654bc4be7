"""trustsite's generator: versioned YAML in `data/` to a static trust center.

The folders are the stages of one pipeline, each importing only the stages before it:
`load/` reads and validates `data/` into the typed model (every problem at path:line:col);
`history/` derives what was published when, the changes between versions and the hash
chain of the published history; `site/` renders the pages and adapts them to MkDocs
(`site/mkdocs_plugin.py` and `site/build.py` are the only modules that import MkDocs);
`outputs/` writes the feeds, exports, pictures and PDFs beside the pages; `cli/` is the
`trustsite` command over all of them.
"""
