"""Unit tests of app/memvault/crypto/: known answers, fixed vectors, properties."""
