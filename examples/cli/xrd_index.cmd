# A hexagonal cell from three indexed peaks of the Ca-inserted phase
"$CASTOR" xrd index --cif "$DATA/materials/castor-generated/NTP_model_R-3c.cif" --peak 1,1,3,23.7 --peak 0,2,4,28.6 --peak 1,1,6,32.1
