# One circuit fitted to every spectrum of a BioLogic GEIS series
# tolerance: rel=1e-4 abs=1e-9
# mask: in [0-9.]+ ms \([0-9.]+ ms per
"$CASTOR" eis series "$DATA/echem/biologic-converter/geis.mpt" --circuit "R0-p(R1,CPE1)-p(R2,CPE2)" --f-max 1e5
