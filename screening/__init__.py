"""Similarity screening: normalisation, fingerprints, index, alignment, measures, flag policy."""
