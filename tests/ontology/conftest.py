"""Shared fixtures for the ontology tests: the parsed ontology, once per session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from ontology.reason import load_ontology


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    return load_ontology()
