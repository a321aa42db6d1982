# The distribution of relaxation times of impedance.py's example spectrum (lambda at the L-curve corner)
# tolerance: rel=1e-4 abs=1e-9
"$CASTOR" eis drt "$DATA/echem/impedance.py/exampleData.csv" --auto-lambda
