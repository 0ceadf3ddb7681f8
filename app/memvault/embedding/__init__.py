"""On-device embedding: the model manifest, the ONNX session and the job worker."""
