"""Everything about taking a response in: signatures, payload schemas, CSV import."""
