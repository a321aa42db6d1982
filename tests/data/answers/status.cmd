# a changed exit status must be seen
exit 3
