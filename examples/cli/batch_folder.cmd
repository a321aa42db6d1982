# castor batch on a folder (yadg's BioLogic files, .mpr with their .mpt exports): one row per
# cell, in parallel; files that cannot be evaluated (an OCV record has no current) keep their
# error and the batch goes on. With -o summary.csv the cells and their cycles go to CSV.
# cwd: scratch
"$CASTOR" batch "$DATA/cycler/yadg" -o summary.csv && head -2 summary_cycles.csv
