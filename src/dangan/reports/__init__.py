"""The project manager's reports: read-only, set-based queries and pure computations.

One module per report (estimate, productivity, quality, pay, weekly, summary). Each returns a
frozen result with ``to_dict()`` (the JSON form) and ``document()`` (a ``ReportDoc`` the
renderers in ``dangan.export.reports_xlsx`` / ``reports_pdf`` turn into .xlsx and PDF).
Only ``pay.close_period`` and ``pay.set_mentor`` write.
"""
