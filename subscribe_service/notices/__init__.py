"""Change notices and objections: `notify` reads changes.json (`source`, `fetch`) and
queues one "notice" mail per subscriber and change (`notify`), rendered at send time
(`render`); `/object/<token>` records objections and queues their receipts
(`views`, `objections`); `commands` holds the `notify`, `notices` and `objections`
commands.

create_app (`_notices` in subscribe_service/__init__.py) wires them: the blueprint, the
three mail kinds, the objections' export section and erase hook, the commands.
"""
