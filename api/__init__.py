"""Thin service layer: wires the domain packages to the CLI, HTTP, storage and jobs."""
