"""Stage 1, load: `data/` YAML read safely (`yamlsafe`), turned into the typed model (`loader`,
`model`) and validated (`validate` and its rule modules), every problem an `errors.Issue` at
path:line:col. Nothing here knows about pages or MkDocs.
"""
