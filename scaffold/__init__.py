"""scaffold — generate compliant-by-construction platform services and verify the ready-to-ship checklist."""

__version__ = "0.1.0"
