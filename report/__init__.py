"""Monitor drugscriminaliteit: the yearly report on drug crime and interventions against it.

Public surface: the `monitor` command (report.cli), `build` (report.build) and `render`
(report.render). Everything else is private machinery.
"""

__version__ = "0.1.0"
