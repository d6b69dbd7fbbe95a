"""From records to checked statements in one transaction: compiling, SHACL validation, provenance."""
