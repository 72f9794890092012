// SenML (RFC 8428) as the LwM2M Core TS profiles it for SenML JSON (110) and SenML CBOR (112):
// what both share. Decoding: the labels, and the resolution of base name + name into a path and
// base time + time into an absolute time. Encoding: the checks on the records and the choice of
// base name and base time.
//
// Times: a resolved time (bt + t) below 2^28 is relative to "now" (RFC 8428 §4.5.3) and is
// resolved against DecodeOptions::now. A record has a time when it or an earlier record gave "t"
// or "bt". Encoders write Record::time as is, so times below 2^28 read back as relative ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "wire_value.hpp"

namespace drover::lwm2m::detail {

enum class SenmlLabel : std::uint8_t {
  BaseName,
  BaseTime,
  Name,
  Value,
  StringValue,
  BooleanValue,
  DataValue,
  ObjlnkValue,
  Time,
  Unsupported,     // base value, base sum, sum: they would change the values; LwM2M uses none
  Ignored,         // bver, bu, u, ut and labels unknown to this implementation
  MustUnderstand,  // unknown labels ending in '_' (RFC 8428 §4.4): an error
};

SenmlLabel senml_label(std::string_view json_label);  // also the CBOR text key "vlo"
SenmlLabel senml_label(std::int64_t cbor_label);
std::string_view senml_json_label(SenmlLabel label);  // "bn", "v", ... for the value labels
std::int64_t senml_cbor_label(SenmlLabel label);      // -2, 2, ... (not ObjlnkValue: text key)

// The fields of one record as a JSON or CBOR parser read them.
struct SenmlFields {
  std::optional<std::string> base_name;
  std::optional<double> base_time;
  std::optional<std::string> name;
  std::optional<double> time;
  std::optional<WireValue> value;
  std::size_t offset = 0;  // of the record

  void clear();
  // Records that `label` (found at `at`) is present: an error if it appeared before in this
  // record, if it is a second value, or if it is not allowed.
  std::optional<FormatError> note(SenmlLabel label, std::size_t at, std::string_view format);

 private:
  std::uint32_t seen_ = 0;
};

// Turns the records of one pack into Records, carrying base name and base time along. OMA JSON,
// SenML's ancestor, uses it too: its text values may hold base64 Opaque data.
class SenmlDecoder {
 public:
  SenmlDecoder(std::string_view format, const Path& base, const DecodeOptions& options,
               std::vector<Record>& out, bool base64_text_opaque = false)
      : format_(format),
        base_(base),
        options_(options),
        out_(out),
        base64_text_opaque_(base64_text_opaque) {}

  std::optional<FormatError> add(SenmlFields& fields);

 private:
  std::string_view format_;
  const Path& base_;
  const DecodeOptions& options_;
  std::vector<Record>& out_;
  bool base64_text_opaque_;
  std::size_t added_ = 0;
  std::string base_name_;
  std::optional<double> base_time_;
  std::string name_;  // scratch
};

// Encoded sizes of the parts the choice of base name and base time changes.
struct SenmlSizes {
  std::size_t (*text)(std::size_t length);  // a text value of that many bytes
  std::size_t (*number)(double value);      // a time value
  std::size_t base_name_label;              // bytes "bn" adds besides its value
  std::size_t base_time_label;
  std::size_t time_label;
};

// How a pack is written: the first record carries bn and bt (when set); each record's "n" is
// its path minus base_name; its "t" is its time minus base_time, left out when zero.
struct SenmlPack {
  std::string base_name;  // empty: no "bn"
  std::optional<double> base_time;
};

// Checks `records` for `format`: all at or below `base`, values only on resource or resource
// instance paths, finite times, valid UTF-8.
std::optional<FormatError> check_senml_records(std::span<const Record> records, const Path& base,
                                               std::string_view format);
// The longest path prefix common to all records that is not itself a record's path (root when
// there are none): the deepest usable base name.
Path common_name_prefix(std::span<const Record> records);
// The first record's time, when every record has a time, there are two or more, bt + t gives
// each back exactly, and that makes the payload smaller.
std::optional<double> choose_base_time(std::span<const Record> records, const SenmlSizes& sizes);

// check_senml_records, then base name and base time where they make the payload smaller.
std::optional<FormatError> plan_senml(std::span<const Record> records, const Path& base,
                                      std::string_view format, const SenmlSizes& sizes,
                                      SenmlPack& pack);

// The label the value of `type` goes in. Precondition: not None.
SenmlLabel senml_value_label(DataType type);

}  // namespace drover::lwm2m::detail
