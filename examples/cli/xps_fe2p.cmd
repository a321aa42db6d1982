# A four-component Fe 2p fit with a three-parameter Tougaard background (pynxtools-xps FeO_analyzed.vms)
# tolerance: rel=1e-4 abs=1e-9
"$CASTOR" xps fit "$DATA/materials/pynxtools-xps/FeO_analyzed.vms" --peaks 709 716 722.5 730 --shape 'SGL(30)' --background tougaard --tougaard-C 551 --tougaard-D 436 --tougaard-gap 3 --from 699.85 --to 749.09
