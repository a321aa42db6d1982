# castor cycling on a Neware BTSDA CSV export (cellpy's neware_uio.csv): the active mass
# comes from the file's Spec. Cap. column
"$CASTOR" cycling "$DATA/cycler/cellpy/neware_uio.csv"
