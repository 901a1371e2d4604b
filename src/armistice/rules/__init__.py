"""The cross-record rules, and the one validator that checks records against their models and them.

:func:`validate` is the entry point: for ``armistice validate`` and ``build``, the release, the
maintenance scripts and the tests alike. The rules are in :mod:`.identity`, :mod:`.references`,
:mod:`.chronology`, :mod:`.grounding` and :mod:`.fidelity`, each checking a record against the
shared lookups of :mod:`.context` and following the protocol of :mod:`.rule`; :mod:`.engine` runs them.
"""

from armistice.rules.engine import Prepare, Sink, Validation, validate

__all__ = ["Prepare", "Sink", "Validation", "validate"]
