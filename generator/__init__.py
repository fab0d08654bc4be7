"""trustsite's generator: versioned YAML in `data/` to a static trust center.

Plain Python, SSG-agnostic: only `generator.mkdocs_plugin` imports MkDocs.
"""
