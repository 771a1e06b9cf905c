"""Stratified spot-check sampling: frame loading, plans, allocation, selection, estimation."""
