"""One short module per page; each has render()."""
