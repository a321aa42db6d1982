# Cyclic voltammograms at five scan rates (voltcycle's Gamry files): peaks and the scan-rate analysis
"$CASTOR" cv "$DATA"/echem/voltcycle/20mM_DFCA_1M_KOH_{25,50,100,250,500}mVs_0.5step.DTA.txt
