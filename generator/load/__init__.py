"""Stage 1, load: `data/` read safely (`yamlsafe`, with plain-words syntax errors from
`yamlsyntax`), turned into the typed model (`loader`, `model`) and validated (`validate` and
its rule modules: `countries`, `transfers`, `markup_check`, `editorial` and `wording`,
`security`, `corrections`), every problem an `errors.Issue` at path:line:col. Also what
those rules stand on: a version's status on a build date (`timeline`), its canonical
content (`canonical`), the word diff (`words`), field wording (`fields`) and dates (`clock`).
"""
