# A number castor cannot read in an option: exit status 2, not an internal error
"$CASTOR" eis fit "$DATA/echem/impedance.py/exampleData.csv" --circuit "R0-p(R1,C1)" --constant R0=abc
