// OMA TLV (11542), Core TS "TLV": each entry is a type byte, an 8- or 16-bit identifier, an
// optional 8/16/24-bit length and the value. Object-instance and multiple-resource entries nest
// further entries; resource and resource-instance entries hold a value whose type the payload
// does not say (the TypeResolver does; Opaque when unknown).
//
// Records map to entries as follows: a record with a value is a resource (path depth 3) or a
// resource instance (depth 4); a record without value stands for an empty container: an object
// instance without resources (depth 2) or a multiple resource without instances (depth 3).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "format_codecs.hpp"
#include "record_checks.hpp"
#include "single_value.hpp"
#include "utf8.hpp"

namespace drover::lwm2m::detail {
namespace {

enum class Kind : std::uint8_t {
  ObjectInstance = 0,
  ResourceInstance = 1,
  MultipleResource = 2,
  Resource = 3
};

// Depth of the path an entry of this kind identifies.
std::size_t depth_of(Kind kind) {
  switch (kind) {
    case Kind::ObjectInstance:
      return 2;
    case Kind::MultipleResource:
    case Kind::Resource:
      return 3;
    case Kind::ResourceInstance:
      return 4;
  }
  return 0;
}

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::ObjectInstance:
      return "object instance";
    case Kind::MultipleResource:
      return "multiple resource";
    case Kind::Resource:
      return "resource";
    case Kind::ResourceInstance:
      return "resource instance";
  }
  return {};
}

constexpr std::size_t max_value_length = 0xFFFFFF;  // 24-bit length field

using ErrorKind = FormatErrorKind;

FormatError tlv_error(ErrorKind kind, std::size_t offset, std::string message,
                      std::optional<Path> path = std::nullopt) {
  return FormatError{"TLV: " + std::move(message), offset, std::move(path), kind};
}

// Value lengths the Core TS allows for Integer, Unsigned Integer and Time.
bool is_integer_length(std::size_t n) {
  return n == 1 || n == 2 || n == 4 || n == 8;
}

std::uint64_t read_big_endian(std::span<const std::uint8_t> bytes) {
  std::uint64_t v = 0;
  for (const std::uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Decoding

struct Entry {
  Kind kind{};
  std::uint16_t id = 0;
  std::size_t offset = 0;  // of the type byte
  std::size_t value_offset = 0;
  std::size_t value_length = 0;
  std::size_t end() const { return value_offset + value_length; }
};

// Reads the header of the entry at `pos`, which must end by `end` (that of its container).
std::optional<FormatError> read_entry(std::span<const std::uint8_t> in, std::size_t pos,
                                      std::size_t end, Entry& entry) {
  const std::uint8_t type = in[pos];
  const std::size_t id_size = (type & 0x20u) != 0 ? 2 : 1;
  const std::size_t length_size = (type >> 3) & 0x03u;
  // Running past the payload is a cut-short input; past a container, a wrong container length.
  const auto overrun = [&](std::size_t needed, std::size_t from) {
    return needed > in.size() - from ? ErrorKind::Truncated : ErrorKind::Malformed;
  };
  if (end - pos < 1 + id_size + length_size) {
    return tlv_error(overrun(1 + id_size + length_size, pos), pos, "truncated entry header");
  }
  std::size_t p = pos + 1;
  const auto id = static_cast<std::uint16_t>(read_big_endian(in.subspan(p, id_size)));
  p += id_size;
  // Without a length field, the length is in bits 2-0; with one, those bits are ignored.
  const std::size_t length =
      length_size == 0 ? std::size_t{type & 0x07u}
                       : static_cast<std::size_t>(read_big_endian(in.subspan(p, length_size)));
  p += length_size;
  if (length > end - p) {
    return tlv_error(overrun(length, p), pos,
                     "value length " + std::to_string(length) + " runs " +
                         std::to_string(length - (end - p)) +
                         " bytes past the end of its container");
  }
  entry = Entry{static_cast<Kind>(type >> 6), id, pos, p, length};
  return std::nullopt;
}

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, const Path& base, const DecodeOptions& options,
          std::vector<Record>& out)
      : in_(in), base_(base), options_(options), out_(out), first_(out.size()) {}

  std::optional<FormatError> run() {
    if (!base_.has_object()) {
      return tlv_error(ErrorKind::Unsupported, 0, "the request path must name an object", base_);
    }
    auto error = entries(0, in_.size(), std::nullopt);
    if (!error) error = check_unique();
    if (error) out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(first_), out_.end());
    return error;
  }

 private:
  // Decodes the entries in [begin, end), children of `parent` (nullopt: the top level, whose
  // entries are placed relative to the request path). Recursion is bounded: each level adds a
  // path segment and paths have at most four.
  std::optional<FormatError> entries(std::size_t begin, std::size_t end,
                                     const std::optional<Path>& parent) {
    std::size_t pos = begin;
    while (pos < end) {
      Entry entry;
      if (auto error = read_entry(in_, pos, end, entry)) return error;
      const std::size_t depth = depth_of(entry.kind);
      Path path;
      if (parent) {
        if (parent->depth() + 1 != depth) {
          return tlv_error(ErrorKind::Malformed, pos,
                           kind_name(entry.kind) + " entry inside " + parent->to_string(), *parent);
        }
        path = parent->child(entry.id);
      } else {
        if (depth - 1 > base_.depth()) {
          return tlv_error(ErrorKind::Malformed, pos,
                           kind_name(entry.kind) + " entry needs a deeper request path than " +
                               base_.to_string(),
                           base_);
        }
        path = base_.truncated(depth - 1).child(entry.id);
      }
      if (entry.id == reserved_id)
        return tlv_error(ErrorKind::InvalidPath, pos, "reserved ID 65535 in " + path.to_string(),
                         path);
      // Entries above the request path are wrappers leading to it; everything else lies below it.
      const bool wrapper = path.depth() < base_.depth();
      if (wrapper ? !path.is_prefix_of(base_) : !base_.is_prefix_of(path)) {
        return tlv_error(ErrorKind::OutsideRequest, pos,
                         path.to_string() + " lies outside the request path " + base_.to_string(),
                         path);
      }
      if (auto error = entry_body(entry, path, wrapper)) return error;
      pos = entry.end();
    }
    return std::nullopt;
  }

  std::optional<FormatError> entry_body(const Entry& entry, const Path& path, bool wrapper) {
    switch (entry.kind) {
      case Kind::ObjectInstance:
      case Kind::MultipleResource:
        if (entry.value_length > 0) return entries(entry.value_offset, entry.end(), path);
        return wrapper ? std::nullopt : add(Record{path, Value{}, std::nullopt}, entry.offset);
      case Kind::Resource:
      case Kind::ResourceInstance: {
        if (wrapper) {
          return tlv_error(
              ErrorKind::OutsideRequest, entry.offset,
              "value for " + path.to_string() + " where " + base_.to_string() + " was requested",
              path);
        }
        Value value;
        if (auto error = decode_value(entry, path, value)) return error;
        return add(Record{path, std::move(value), std::nullopt}, entry.offset);
      }
    }
    return std::nullopt;
  }

  std::optional<FormatError> decode_value(const Entry& entry, const Path& path,
                                          Value& value) const {
    const auto bytes = in_.subspan(entry.value_offset, entry.value_length);
    const std::size_t n = bytes.size();
    const DataType type = resolve_type(options_, path, DataType::Opaque);
    const auto bad_length = [&](std::string_view expected) {
      return tlv_error(ErrorKind::TypeMismatch, entry.offset,
                       std::string(to_string(type)) + " value of " + path.to_string() +
                           " must be " + std::string(expected) + " bytes long, not " +
                           std::to_string(n),
                       path);
    };
    switch (type) {
      case DataType::String:
      case DataType::Corelnk: {
        std::string text(bytes.begin(), bytes.end());
        if (const auto bad = find_invalid_utf8(text)) {
          return tlv_error(ErrorKind::Malformed, entry.value_offset + *bad,
                           "invalid UTF-8 in " + path.to_string(), path);
        }
        value = type == DataType::String ? Value(std::move(text)) : Value(Corelnk{std::move(text)});
        return std::nullopt;
      }
      case DataType::Integer:
      case DataType::Time: {
        if (!is_integer_length(n)) return bad_length("1, 2, 4 or 8");
        std::uint64_t u = read_big_endian(bytes);
        if (n < 8 && (bytes[0] & 0x80u) != 0) u |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        const auto v = static_cast<std::int64_t>(u);
        value = type == DataType::Integer ? Value(v) : Value(Time{v});
        return std::nullopt;
      }
      case DataType::UnsignedInteger:
        if (!is_integer_length(n)) return bad_length("1, 2, 4 or 8");
        value = Value(read_big_endian(bytes));
        return std::nullopt;
      case DataType::Float:
        if (n == 4) {
          value = Value(
              double{std::bit_cast<float>(static_cast<std::uint32_t>(read_big_endian(bytes)))});
        } else if (n == 8) {
          value = Value(std::bit_cast<double>(read_big_endian(bytes)));
        } else {
          return bad_length("4 or 8");
        }
        return std::nullopt;
      case DataType::Boolean:
        if (n != 1) return bad_length("1");
        if (bytes[0] > 1) {
          return tlv_error(ErrorKind::TypeMismatch, entry.value_offset,
                           "Boolean value of " + path.to_string() + " must be 0 or 1", path);
        }
        value = Value(bytes[0] == 1);
        return std::nullopt;
      case DataType::Objlnk:
        if (n != 4) return bad_length("4");
        value = Value(Objlnk{static_cast<std::uint16_t>(read_big_endian(bytes.first(2))),
                             static_cast<std::uint16_t>(read_big_endian(bytes.last(2)))});
        return std::nullopt;
      case DataType::Opaque:
        value = Value(Opaque(bytes.begin(), bytes.end()));
        return std::nullopt;
      case DataType::None:
        break;
    }
    return tlv_error(ErrorKind::TypeMismatch, entry.offset,
                     path.to_string() + " has no value type (executable resource)", path);
  }

  std::optional<FormatError> add(Record record, std::size_t offset) {
    if (out_.size() - first_ >= options_.max_records) {
      return tlv_error(ErrorKind::LimitExceeded, offset,
                       "more than " + std::to_string(options_.max_records) + " records",
                       record.path);
    }
    out_.push_back(std::move(record));
    offsets_.push_back(offset);
    return std::nullopt;
  }

  std::optional<FormatError> check_unique() const {
    return check_unique_paths(std::span<const Record>(out_).subspan(first_), offsets_, "TLV");
  }

  std::span<const std::uint8_t> in_;
  const Path& base_;
  const DecodeOptions& options_;
  std::vector<Record>& out_;
  const std::size_t first_;
  std::vector<std::size_t> offsets_;  // input offset of each record added, for error reports
};

// ---------------------------------------------------------------------------------------------
// Encoding

void append_big_endian(std::vector<std::uint8_t>& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// The shortest of the lengths the Core TS allows (1, 2, 4, 8 bytes).
std::size_t signed_length(std::int64_t v) {
  if (v >= std::numeric_limits<std::int8_t>::min() && v <= std::numeric_limits<std::int8_t>::max())
    return 1;
  if (v >= std::numeric_limits<std::int16_t>::min() &&
      v <= std::numeric_limits<std::int16_t>::max())
    return 2;
  if (v >= std::numeric_limits<std::int32_t>::min() &&
      v <= std::numeric_limits<std::int32_t>::max())
    return 4;
  return 8;
}

std::size_t unsigned_length(std::uint64_t v) {
  if (v <= 0xFF) return 1;
  if (v <= 0xFFFF) return 2;
  if (v <= 0xFFFFFFFF) return 4;
  return 8;
}

void append_bytes(std::vector<std::uint8_t>& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

// Appends the value bytes of a resource or resource instance. Precondition: not None.
void append_value(std::vector<std::uint8_t>& out, const Value& value) {
  switch (value.type()) {
    case DataType::String:
      append_bytes(out, value.get<std::string>());
      break;
    case DataType::Corelnk:
      append_bytes(out, value.get<Corelnk>().text);
      break;
    case DataType::Opaque: {
      const auto& bytes = value.get<Opaque>();
      out.insert(out.end(), bytes.begin(), bytes.end());
      break;
    }
    case DataType::Integer: {
      const auto v = value.get<std::int64_t>();
      append_big_endian(out, static_cast<std::uint64_t>(v), signed_length(v));
      break;
    }
    case DataType::Time: {
      const auto v = value.get<Time>().seconds;
      append_big_endian(out, static_cast<std::uint64_t>(v), signed_length(v));
      break;
    }
    case DataType::UnsignedInteger: {
      const auto v = value.get<std::uint64_t>();
      append_big_endian(out, v, unsigned_length(v));
      break;
    }
    case DataType::Float: {
      // 4 bytes when that is exact; NaN keeps 8 so that its payload bits survive.
      const double d = value.get<double>();
      const bool fits_float = std::isinf(d) || (std::fabs(d) <= std::numeric_limits<float>::max() &&
                                                double{static_cast<float>(d)} == d);
      if (fits_float) {
        append_big_endian(out, std::bit_cast<std::uint32_t>(static_cast<float>(d)), 4);
      } else {
        append_big_endian(out, std::bit_cast<std::uint64_t>(d), 8);
      }
      break;
    }
    case DataType::Boolean:
      out.push_back(value.get<bool>() ? 1 : 0);
      break;
    case DataType::Objlnk:
      append_big_endian(out, value.get<Objlnk>().object_id, 2);
      append_big_endian(out, value.get<Objlnk>().instance_id, 2);
      break;
    case DataType::None:
      break;
  }
}

class Encoder {
 public:
  Encoder(std::vector<const Record*> records, std::vector<std::uint8_t>& out)
      : records_(std::move(records)), out_(out) {}

  // Emits one entry per distinct ID at index `d` of the records in [begin, end), which share
  // their first `d` IDs.
  std::optional<FormatError> children(std::size_t begin, std::size_t end, std::size_t d) {
    std::size_t i = begin;
    while (i < end) {
      const std::uint16_t id = records_[i]->path[d];
      std::size_t j = i + 1;
      while (j < end && records_[j]->path[d] == id) ++j;
      const Record& first = *records_[i];
      const std::size_t start = out_.size();
      Kind kind{};
      if (first.path.depth() == d + 1) {  // a leaf (alone in its group: records are unique)
        if (auto error = leaf(first, kind)) return error;
      } else {
        kind = d + 1 == 2 ? Kind::ObjectInstance : Kind::MultipleResource;
        if (auto error = children(i, j, d + 1)) return error;
      }
      if (auto error = insert_header(start, kind, id, first.path.truncated(d + 1))) return error;
      i = j;
    }
    return std::nullopt;
  }

 private:
  // A record without value is an empty object instance or multiple resource.
  std::optional<FormatError> leaf(const Record& record, Kind& kind) {
    const bool none = record.value.is_none();
    const std::size_t depth = record.path.depth();
    if (none ? depth == 4 : depth == 2) {
      // TLV has no empty resource instance; a value above a resource has no entry either.
      return tlv_error(
          none ? ErrorKind::Unsupported : ErrorKind::InvalidPath, 0,
          (none ? "no value for " : "cannot encode a value for ") + record.path.to_string(),
          record.path);
    }
    kind = depth == 2   ? Kind::ObjectInstance
           : depth == 4 ? Kind::ResourceInstance
           : none       ? Kind::MultipleResource
                        : Kind::Resource;
    if (!none) append_value(out_, record.value);
    return std::nullopt;
  }

  // Inserts the header of the entry whose value was written from `start` on.
  std::optional<FormatError> insert_header(std::size_t start, Kind kind, std::uint16_t id,
                                           const Path& path) {
    const std::size_t length = out_.size() - start;
    if (length > max_value_length) {
      return tlv_error(ErrorKind::LimitExceeded, 0,
                       path.to_string() + " is longer than the 16 MiB a TLV entry can hold", path);
    }
    std::array<std::uint8_t, 6> header{};
    std::size_t n = 1;
    unsigned type = static_cast<unsigned>(kind) << 6;
    if (id > 0xFF) {
      type |= 0x20u;
      header[n++] = static_cast<std::uint8_t>(id >> 8);
    }
    header[n++] = static_cast<std::uint8_t>(id);
    const std::size_t length_size = length <= 7 ? 0 : length <= 0xFF ? 1 : length <= 0xFFFF ? 2 : 3;
    if (length_size == 0) {
      type |= static_cast<unsigned>(length);
    } else {
      type |= static_cast<unsigned>(length_size) << 3;
      for (std::size_t i = length_size; i-- > 0;)
        header[n++] = static_cast<std::uint8_t>(length >> (8 * i));
    }
    header[0] = static_cast<std::uint8_t>(type);
    out_.insert(out_.begin() + static_cast<std::ptrdiff_t>(start), header.begin(),
                header.begin() + static_cast<std::ptrdiff_t>(n));
    return std::nullopt;
  }

  std::vector<const Record*> records_;
  std::vector<std::uint8_t>& out_;
};

}  // namespace

std::optional<FormatError> decode_tlv(std::span<const std::uint8_t> payload, const Path& base,
                                      const DecodeOptions& options, std::vector<Record>& out) {
  return Decoder(payload, base, options, out).run();
}

std::optional<FormatError> encode_tlv(std::span<const Record> records, const Path& base,
                                      std::vector<std::uint8_t>& out) {
  if (!base.has_object()) {
    return tlv_error(ErrorKind::Unsupported, 0, "the request path must name an object", base);
  }
  if (auto error = check_record_paths(records, base, "TLV")) return error;
  std::vector<const Record*> sorted;
  sorted.reserve(records.size());
  for (const Record& r : records) sorted.push_back(&r);
  const auto by_path = [](const Record* a, const Record* b) { return a->path < b->path; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_path))
    std::stable_sort(sorted.begin(), sorted.end(), by_path);
  for (std::size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k - 1]->path.is_prefix_of(sorted[k]->path)) {
      return tlv_error(ErrorKind::Duplicate, 0,
                       "duplicate records for " + sorted[k]->path.to_string(), sorted[k]->path);
    }
  }
  if (sorted.empty()) return std::nullopt;

  // Wrapping follows the request path: object instances under an object, bare resources under an
  // instance (an empty instance is an empty object-instance entry), and the resource or resource
  // instance itself below that.
  const Record& first = *sorted.front();
  const std::size_t depth = base.depth();
  if (first.path.depth() == 1) {  // an object without instances: empty payload
    if (first.value.is_none()) return std::nullopt;
    return tlv_error(ErrorKind::InvalidPath, 0,
                     "cannot encode a value for " + first.path.to_string(), first.path);
  }
  const std::size_t start_depth = depth >= 3                              ? depth - 1
                                  : depth == 2 && first.path.depth() == 2 ? 1
                                                                          : depth;
  const std::size_t size_before = out.size();
  auto error = Encoder(std::move(sorted), out).children(0, records.size(), start_depth);
  if (error) out.resize(size_before);
  return error;
}

}  // namespace drover::lwm2m::detail
