#!/usr/bin/env bash
# Redraws the figures the README shows (docs/figures) from the real files in ../shared/data,
# each by one documented command. Usage: scripts/figures.sh [path/to/castor]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
castor="${1:-$root/build/apps/castor/castor}"
data="$root/../shared/data"
out="$root/docs/figures"
mkdir -p "$out"
nav="$data/cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
rate="$data/cycler/NewareNDA/test_2.ndax"
"$castor" plot profile "$nav" --mass-mg 7 --cycle 1 2 -o "$out/profile.png"
"$castor" plot profile "$rate" -o "$out/profile_by_cycle.png"
"$castor" plot dqdv "$nav" --mass-mg 7 --cycle 2 -o "$out/dqdv.png"
"$castor" plot capacity "$rate" -o "$out/capacity.png"
"$castor" plot rate "$rate" -o "$out/rate.png"
"$castor" plot capacity "$data/cycler/navani/arbin_example.res" "$data/cycler/fastnda/nw4-120-1-6-53.ndax" \
  -o "$out/capacity_two_cells.png"
"$castor" compare "$rate" --plot "$out/compare_map.png" > /dev/null  # mass from the file (3.04 mg)
"$castor" eis fit "$data/echem/impedance.py/exampleData.csv" --capacitive-only \
  --circuit 'R0-p(R1,C1)-p(R2-Wo1,C2)' --plot "$out/eis_fit.png" > /dev/null
"$castor" cv "$data"/echem/voltcycle/20mM_DFCA_1M_KOH_{25,50,100,250,500}mVs_0.5step.DTA.txt --plot "$out/cv.png" > /dev/null
"$castor" xps fit "$data/materials/LG4X/Mutlipak_vms.npl" --block 'Mo 3d' --peaks 228.5 229.5 --doublet 3.15 \
  --ratio 0.667 --common-width --plot "$out/xps_fit.png" > /dev/null
"$castor" xrd refine "$data/materials/GSAS-II/PBSO4.XRA" --cif "$data/materials/GSAS-II/PbSO4-Wyckoff.cif" \
  --wavelengths 1.5405 1.5443 0.5 --from 16 --to 110 --plot "$out/xrd_pbso4_rietveld.png" > /dev/null
echo "figures in $out"
