"""Readers: source file -> typed records and problems. Never triples."""
