"""Unit tests of app/crypto/: known answers, fixed vectors, properties."""
