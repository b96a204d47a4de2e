"""The coprod ontology: Turtle sources, namespaces and the reasoning step."""

from pathlib import Path

HERE = Path(__file__).parent
ONTOLOGY_FILE = HERE / "coprod.ttl"
VOCAB_DIR = HERE / "vocab"
SHAPES_DIR = HERE / "shapes"
DEFAULT_BASE = "https://w3id.org/coprod/"
