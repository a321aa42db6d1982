# The reflections of the NTP model structure (R-3c) for Cu Ka1
"$CASTOR" xrd reflections --cif "$DATA/materials/castor-generated/NTP_model_R-3c.cif" --max 30
