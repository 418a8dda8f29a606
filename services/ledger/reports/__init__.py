"""The public spending report: figures from a log's leaves, one template, HTML and PDF/A-3b.

Import from the modules (``services.ledger.reports.rendering`` for the renderer): this package
stays empty so that its child process (``reports.child``) imports nothing heavy before it has
set its memory limit.
"""
