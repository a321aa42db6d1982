# The paper's sol-gel recipe for NaTi2(PO4)3/C: mole ratios, product mass, carbon wt%
castor_recipe() { "$CASTOR" recipe --product 'NaTi2(PO4)3' --reagent CH3COONa=0.1016g --reagent H3PO4=0.364g --reagent C6H8O7=0.238g --reagent 'Ti(OC4H9)4=0.843g' --additive-g 0.2142 --target-wt 20; }; castor_recipe
