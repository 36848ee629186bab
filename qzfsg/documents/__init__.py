"""Every Word document qzfsg writes: the 通报 and the notices sent to units, in the 公文
layout. The only package that imports python-docx; it turns plain data (`bulletin`,
`notices`) into files and never touches the database."""

from qzfsg.documents.bulletin import write_bulletin_document
from qzfsg.documents.notice import write_notice

__all__ = ["write_bulletin_document", "write_notice"]
