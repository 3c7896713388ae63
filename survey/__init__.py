"""survey: reproducible literature surveys of method x task hit counts."""

__version__ = "0.1.0"
