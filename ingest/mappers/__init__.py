"""Mappers: typed records -> triples. Never read files."""
