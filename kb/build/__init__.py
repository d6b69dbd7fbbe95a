"""From records to checked statements in one transaction: compiling, SHACL validation, provenance.

:mod:`~kb.build.inputs` (which files), :mod:`~kb.build.compile` (read, join, compile to quads),
:mod:`~kb.build.pipeline` (the transaction on a :class:`~kb.store.Store`),
:mod:`~kb.build.provenance` (what was loaded, when, by which build), :mod:`~kb.build.validate`
(SHACL on the result) and :mod:`~kb.build.report` (what a build did).
"""
