"""What the ontology says, in Python: its terms (``terms``), the authoring format (``authoring``), one
checker per value kind (``kinds``), record checks and compilation (``records``), the finding rules
(``rules``), names (``names``) and graph names (``graphs``)."""
