"""Review round trip: reviewed DOCX drafts back to chapter files and lines.

* :mod:`report.review.package` — opening a reviewed file safely (untrusted input);
* :mod:`report.review.extract` — comments, replies, resolved state, tracked changes;
* :mod:`report.review.locate` — from the draft's anchors to file and line (fuzzy when changed);
* :mod:`report.review.collect` — the overview in ``_review/`` (Markdown, CSV, HTML);
* :mod:`report.review.apply` — tracked changes in chapter prose as a unified diff.
"""
