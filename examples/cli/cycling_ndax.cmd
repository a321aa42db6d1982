# castor cycling on a Neware .ndax (BTS 8): BTSDA's cycle index from Step.xml's loops
"$CASTOR" cycling "$DATA/cycler/NewareNDA/test_2.ndax"
