# castor cycling on navani's NaCoO2 .mpr with a 7 mg active mass: capacities, CE
# (86.43, 93.52, 92.86, 92.48, 92.32, 92.01 % for cycles 1-6, as EC-Lab gives), average
# voltage, hysteresis and flatness per cycle
"$CASTOR" cycling "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" --mass-mg 7
