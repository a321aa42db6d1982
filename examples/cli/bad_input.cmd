# A damaged file: an error naming the file and the problem, exit status 2
# cwd: scratch
head -c 3000 "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" > cut.mpr && "$CASTOR" info cut.mpr --strict
