# castor installed into a scratch prefix, and two outside programs built against it with
# find_package(castor): a reader (castor::io only) and an EIS fit (castor::castor).
# cwd: scratch
bash "$SRC/tests/consume/run.sh" "$BUILD" "$SCRATCH/consume" \
  "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" \
  "$DATA/echem/impedance.py/exampleData.csv"
