"""What the ontology says, in Python: its terms, the authoring format, record checks, rules and names."""
