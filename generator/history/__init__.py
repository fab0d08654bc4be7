"""Stage 2, history: what was published when (`timeline`), what changed between two versions
(`diff`, word-level `redline`, `markdown_diff`), the change records that become
`changes.json` (`changes`), and the published history's hash chain.
"""
