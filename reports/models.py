# The quarterly report model arrives with the reports issue.
