"""The coprod web service: SPARQL endpoint, named queries and linked-data pages."""
