"""Stage 2, history: what changed between versions (`diff`, word-level `redline`,
`markdown_redline` and `markdown_diff` for `trustsite diff`), the change records that become
`changes.json` (`changes`, `substance`, `entry_history`), where every version and change
lives (`urls`), and the published history: the hash chain (`manifest`), its signature
(`signing`), where each version came from (`provenance`), what `check --base/--published`
refuses (`immutability`, `gitrev`, `sitefetch`) and `trustsite verify` (`verify`).
"""
