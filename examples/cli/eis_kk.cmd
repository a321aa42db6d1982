# Lin-KK validity of a ZPlot .z spectrum, with impedance.py's mu 0.69
"$CASTOR" eis kk "$DATA/echem/impedance.py/Circuit3_EIS_1.z" --mu 0.69
