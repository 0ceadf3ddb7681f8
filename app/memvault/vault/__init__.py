"""The encrypted store: keys, connections, schema, migrations and repositories.

This is the only package that speaks SQL.
"""
