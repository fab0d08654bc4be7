"""Delivery: every mail is first a row in the `outbox` (API rows group-committed by
`groupcommit`). The `sender` (`send` command in `commands`) runs the delivery `engine`
over the two interfaces in `interfaces`: a Store (`store`, the outbox rows) and a
Connection (`smtp`, Flask-Mail's Connection with per-command replies); `compose` renders
each row with its kind's renderer (`renderers` holds what every renderer uses) and
builds it (`message`); `chores` are the housekeeping the polling sender runs.
"""
