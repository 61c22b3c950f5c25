"""Figures of the eegvis workflow (matplotlib, no display needed)."""
