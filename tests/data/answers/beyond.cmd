# a number beyond the tolerance must be seen
echo "R0 1.0001 Ohm, 3 cycles"
