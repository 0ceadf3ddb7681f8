"""Unit tests of app/memvault/vault/ logic that needs no database."""
