// One experiment saved in several files (an EC-Lab/BT-Lab run split across .mpr files, a
// Neware test exported in parts): the parts joined into one common table in time order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "castor/core/table.h"
#include "castor/io/read.h"

namespace castor::io {

// Joins the parts of one experiment. The parts are put in the order of their start dates
// (all must have one; otherwise they stay in the order given and the table says so). Each
// part's time_s is placed on one clock: from its start date where every part has one, else
// continued from the previous part's end. Step and cycle numbers continue where a part
// restarts them; a running charge (charge_passed_mAh) continues from the previous end.
// Refused (castor::Error): parts from different instruments or channels, parts that
// overlap in time, a single part. The joined table's meta.extra["joined"] lists the parts
// and its warnings carry each part's own, prefixed with the file.
Table join_tables(std::vector<Table> parts);

// Reads every file (read_table) and joins them; one file is simply read.
Table read_tables_joined(const std::vector<std::filesystem::path>& paths, const ReadOptions& options = {});

}  // namespace castor::io
