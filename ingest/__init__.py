"""Ingest: readers turn source files into records, mappers turn records into triples."""
