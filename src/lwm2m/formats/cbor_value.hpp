// Resource values as plain CBOR items, shared by application/cbor (60) and LwM2M CBOR (11544):
// numbers, text (String, Corelnk, and Objlnk as "oid:iid"), byte strings (Opaque) and booleans;
// Time is written as an integer under tag 1 (epoch-based date/time), and read with or without it.
#pragma once

#include <optional>

#include "cbor_reader.hpp"
#include "cbor_writer.hpp"

namespace drover::lwm2m::detail {

// Reads one scalar item (after any tags) into `out`. Error on null, undefined, simple values,
// arrays and maps.
std::optional<FormatError> read_cbor_value(CborReader& reader, WireValue& out);

// Writes `value`; None as null.
void write_cbor_value(CborWriter& writer, const Value& value);

}  // namespace drover::lwm2m::detail
