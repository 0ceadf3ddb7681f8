"""Memvault: a local, encrypted, on-device semantic memory store for AI agents."""

import os

__version__ = "0.1.0"

# ONNX Runtime (1.29 and later, Linux and macOS too) creates a device id under ~/.cache/Microsoft/DeveloperTools
# and sends a process-information event to Microsoft when it loads, unless ORT_DISABLE_TELEMETRY is set before
# then. Memvault promises no telemetry: set here, before any module of it can load ONNX Runtime.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
