# castor report: one self-contained HTML page (interactive figures, sortable tables,
# warnings) for a NaCoO2 cell, a Neware cell, a cyclic voltammogram and an impedance
# spectrum; the page opens with the cells table and capacity and CE against cycle.
# cwd: scratch
"$CASTOR" report "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" "$DATA/cycler/NewareNDA/test_2.ndax" "$DATA/cycler/yadg/cv.mpr" "$DATA/echem/impedance.py/exampleData.csv" --mass-mg 7 -o report.html && grep -c '<canvas\|class="figure"' report.html
