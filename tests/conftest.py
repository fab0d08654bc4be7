"""Shared by every test folder.

tests/ is a package: helpers shared between folders live in tests/support/ and are
imported by their full name (`from tests.support.factories import make_entry`).
"""
