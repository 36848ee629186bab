"""Timeliness: what is due and when (`deadlines`), who sent what on time, late or not at
all (`arrivals`, the shared core), the board of `qzfsg status` (`board`), the chase list of
`qzfsg overdue` (`overdue`) and its 催报 texts (`reminders`), and documents other than the
monthly return (`receipts`)."""
