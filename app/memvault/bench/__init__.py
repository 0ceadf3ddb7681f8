"""Measurement surfaces: ``memvault bench`` (speed of the service, HTTP API and desktop app) and ``memvault eval`` (retrieval quality)."""
