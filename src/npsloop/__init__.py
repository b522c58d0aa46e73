"""npsloop: closes the loop on unhappy customers."""

__version__ = "0.1.0"
