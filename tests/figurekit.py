"""Figures read as objects in tests: what a report module built, instead of its PNG files."""

from __future__ import annotations


def capture_figures(monkeypatch, module) -> list:
    """The Figures ``module`` saves from now on, in order; each figure function still returns its path."""
    saved = []

    def capture(fig, path):
        saved.append(fig)
        return path

    monkeypatch.setattr(module, "_save", capture)
    return saved
