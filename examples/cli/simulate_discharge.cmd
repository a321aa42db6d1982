# One simulated discharge of the paper's cell to 1.5 V (the common table, first and last rows)
# cwd: scratch
# mask: [0-9.]+ s \(rtol
"$CASTOR" simulate ntp-ca --protocol "Discharge at 5 mA/g until 1.5 V; Rest for 10 minutes" -o out.csv && head -3 out.csv && tail -1 out.csv
