"""Compatibility profiles: each follows one hosted API's paths, fields and envelopes."""
