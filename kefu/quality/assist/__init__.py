"""Agent assist (issue 3 item 7): the phrase library by scenario, the right opening for this moment
on the workbench, and draft replies checked for forbidden phrases as the agent types.

Reads only: everything here asks the site rulebook (``kefu.quality.services.rulebook_get`` when the
quality app is installed, else the default rulebook) and the engine in ``kefu.domain.inspection``.
See docs/assist.md.
"""
