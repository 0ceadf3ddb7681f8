"""Unit tests: pure logic, no model."""
