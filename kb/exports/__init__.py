"""Writers: RDF formats, tables, conflict reports, the interactive page, and safe file output."""
