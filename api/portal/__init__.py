"""Templates and stylesheet of the reviewer portal (package data)."""
