"""msdw: the modern slavery data warehouse."""

__version__ = "0.1.0"
