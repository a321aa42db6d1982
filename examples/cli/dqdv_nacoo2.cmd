# dQ/dV of cycle 2 of the NaCoO2 cell, with its peaks
"$CASTOR" dqdv "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" --cycle 2
