# castor info: format, rows, columns, cycles, steps and time span of a BioLogic .mpr
# (navani's NaCoO2 half cell, 46102 rows)
"$CASTOR" info "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
