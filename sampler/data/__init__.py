"""Package data: the embedded 2022 discipline catalogue."""
