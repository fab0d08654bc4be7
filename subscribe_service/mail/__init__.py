"""Delivery: every mail is first a row in the `outbox` (API rows group-committed by
`groupcommit`); the `sender` claims rows, has `renderers` turn them into messages (`mailer`
builds MIME and speaks SMTP) and records each server answer.
"""
