# a changed word must be seen
echo "R0 1 kOhm"
