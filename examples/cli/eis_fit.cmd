# An equivalent-circuit fit of impedance.py's example spectrum (capacitive points only)
# tolerance: rel=1e-4 abs=1e-9
# mask: [0-9.]+ ms\b
"$CASTOR" eis fit "$DATA/echem/impedance.py/exampleData.csv" --capacitive-only --circuit "R0-p(R1,C1)-p(R2-Wo1,C2)"
