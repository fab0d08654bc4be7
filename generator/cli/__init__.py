"""The `trustsite` command (`commands`): check, build, diff, new-version, render and the
others, each a thin call into the stages; `diffcmd` and `scaffold` hold the logic of `diff`
and `new-version`.
"""
