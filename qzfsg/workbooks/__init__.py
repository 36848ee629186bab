"""Every Excel workbook qzfsg writes: the city's consolidated return, the monthly bulletin
and blank templates. The only package that imports openpyxl; it turns plain data (from
`consolidation`, `ranking`, `timeliness`) into files and never touches the database."""

from qzfsg.workbooks.bulletin import write_bulletin
from qzfsg.workbooks.report import write_report
from qzfsg.workbooks.template import (
    template_filename,
    template_paths,
    write_template,
    write_templates,
)

__all__ = [
    "template_filename",
    "template_paths",
    "write_bulletin",
    "write_report",
    "write_template",
    "write_templates",
]
