# Peaks of a measured PANalytical .xrdml pattern (Ka1/Ka2 doublets, Scherrer sizes, what is dropped)
# tolerance: rel=1e-4 abs=1e-9
"$CASTOR" xrd peaks "$DATA/materials/xylib/Na2Co2TeO6-Zn30pct_20220928_6_C259_(20220927_6_20220926_6)Flat__15-120_026step_30min_1.xrdml" --max-peaks 12
