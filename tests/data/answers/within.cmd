# a number within the tolerance, a word and an exit status that agree
# tolerance: rel=1e-3
echo "R0 1.0001 Ohm, 3 cycles"; echo "CPE1_0 2e-5"
