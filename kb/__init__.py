"""An evidence-graph knowledge base: who claimed what, who documented what, and where they conflict.

The public Python API::

    from kb import KnowledgeBase
    kb = KnowledgeBase(".kb")
    kb.build()                      # the bundled seed dataset
    kb.stats(); kb.validate(); kb.export("ttl", "graphs/seed.ttl")
"""

from kb._version import __version__
from kb.errors import InputError, KBError, OutputError, Problem, QueryError, StoreError, StoreLockedError
from kb.knowledge_base import BuildReport, KnowledgeBase, RemoteKnowledgeBase, Stats

__all__ = [
    "BuildReport", "InputError", "KBError", "KnowledgeBase", "OutputError", "Problem", "QueryError",
    "RemoteKnowledgeBase", "Stats",
    "StoreError", "StoreLockedError", "__version__",
]
