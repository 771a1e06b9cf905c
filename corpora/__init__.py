"""Thesis ingestion (PDF, DOCX, TXT) and reference corpora kept on disk."""
