"""Personal-data rights (UU 27/2022): data-subject requests and the retention schedule."""
