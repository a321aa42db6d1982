// castor's impedance formats, each a sniffer (how sure it is that the file is of this format,
// 0-3, as io::Sniffer) and a reader of the whole file's bytes. The format registry
// (io/detect.cpp) lists them; read_impedance() picks the surest. Every reader returns Z''
// signed (negative for a capacitive arc) and checks the point counts the file declares
// against the points it holds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "castor/eis/spectrum.h"

namespace castor::io {
struct FileHead;
}

namespace castor::eis {

// Ivium .idf (one spectrum) and .ids (a series): an INI-like text with binary bytes
// between sections; each "primary_data" block is: column count (3), point count, then
// rows of Z', Z'', f. Only blocks of a "Method=Impedance" section are impedance.
int sniff_ivium(const io::FileHead& head);
std::vector<Spectrum> read_ivium(std::string_view bytes, const std::string& name);

// PalmSens PSTrace .pssession: UTF-16 JSON; each measurement whose data set is a
// PalmSens.Data.DataSetEIS gives one spectrum from its Frequency, ZRe and ZIm (-Z'') arrays.
int sniff_pssession(const io::FileHead& head);
std::vector<Spectrum> read_pssession(std::string_view bytes, const std::string& name);

// Autolab / Nova FRA .dfr: "VERSIONx.y", point count, one line, then nine lines per point
// (f, Z', -Z'', then six values castor does not use).
int sniff_dfr(const io::FileHead& head);
std::vector<Spectrum> read_dfr(std::string_view bytes, const std::string& name);

// Elchemea Analytical .i2b: free-text lines, the point count alone on a line, then rows of
// f, Z', Z'' (signed), blank-separated.
int sniff_i2b(const io::FileHead& head);
std::vector<Spectrum> read_i2b(std::string_view bytes, const std::string& name);

// BioLogic .mpr/.mpt/.csv PEIS/GEIS runs (one spectrum per cycle or loop), through the
// cycler table readers.
int sniff_biologic_eis(const io::FileHead& head);
std::vector<Spectrum> read_biologic_eis(std::string_view bytes, const std::string& name);

// Gamry Framework .DTA with a ZCURVE table (EISPOT; aborted runs end early).
int sniff_gamry_zcurve(const io::FileHead& head);
std::vector<Spectrum> read_gamry_zcurve(std::string_view bytes, const std::string& name);

// Scribner ZPlot .z with the comment block ("ZPLOT2 ASCII" ... "End Comments").
int sniff_zplot(const io::FileHead& head);
std::vector<Spectrum> read_zplot(std::string_view bytes, const std::string& name);

// Princeton VersaStudio .par: the <Segment1> block's Definition= columns.
int sniff_versastudio_par(const io::FileHead& head);
std::vector<Spectrum> read_versastudio_par(std::string_view bytes, const std::string& name);

// CH Instruments text export: "Freq/Hz, Z'/ohm, Z"/ohm, ..." header.
int sniff_chi_impedance(const io::FileHead& head);
std::vector<Spectrum> read_chi_impedance(std::string_view bytes, const std::string& name);

// A table whose header names frequency, Z' and Z'' columns (ZPlot without comments,
// Z60W/Autolab, Parstat, PowerSuite, EC-Lab .P00 with its point count, CSV with names).
int sniff_impedance_table(const io::FileHead& head);
std::vector<Spectrum> read_impedance_table(std::string_view bytes, const std::string& name);

// Plain numbers f, Z', Z'' (Z'' signed) from line 1 on (pyDRTtools and others).
int sniff_fzz_table(const io::FileHead& head);
std::vector<Spectrum> read_fzz_table(std::string_view bytes, const std::string& name);

}  // namespace castor::eis
