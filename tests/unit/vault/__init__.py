"""Unit tests of app/vault/ logic that needs no database."""
