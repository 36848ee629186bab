"""Reading and checking a received return: find the form in the workbook (`form`, the only
module touching python-calamine), turn cells into numbers (`cells`), place the return and
apply the rules (`checking`, `rules`), giving a `returns.CheckedReturn`. Nothing here writes
to the database."""
