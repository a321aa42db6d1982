# A simulated GITT of the paper's NTP | Ca cell, analysed by castor gitt (Weppner-Huggins D per pulse)
# cwd: scratch
# tolerance: rel=1e-5 abs=1e-12
"$CASTOR" simulate ntp-ca --protocol "(Discharge at 5 mA/g for 30 minutes; Rest for 10 minutes) x 20" -o gitt.csv > /dev/null && \
"$CASTOR" gitt gitt.csv --mass-mg 1.3673 --formula "NaTi2(PO4)3" --ion Ca --radius-nm 25
