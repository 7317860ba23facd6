"""What an auditor browses: the static audit site (``build_site``) and the Excel workbook (``export_xlsx``)."""

from .excel import export_xlsx
from .site import build_site

__all__ = ["build_site", "export_xlsx"]
