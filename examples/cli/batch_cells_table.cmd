# castor batch with a cells table (castor's journal, as cellpy keeps one): cell ids, active
# masses, formula and ion per file pattern; mAh/g come from the table's masses.
# cwd: scratch
printf 'cell_id,files,mass_mg,formula,ion,notes\nNaCoO2-C09,jdb11-1_*C09.mpr,7,NaCoO2,Na,navani example\nNTP-like,gcpl.issue_211.*,0.79,,,mass as the file states it\n' > cells.csv && \
"$CASTOR" batch "$DATA/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr" "$DATA/cycler/yadg/gcpl.issue_211.mpr" --masses cells.csv --only-listed -o cells_summary.json && grep -c '"cell_id"' cells_summary.json
