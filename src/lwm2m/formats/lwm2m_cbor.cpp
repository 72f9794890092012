// LwM2M CBOR (11544, Core TS 1.2 "LwM2M CBOR"): nested maps keyed by path IDs from the object
// ID down. A key is one ID (unsigned integer) or several (an array of them) for a path prefix;
// a value is a nested map (the next path level), a resource value, or null for a path without
// value (Read-Composite requests). {[3,0]:{0:"x"}} and {3:{0:{0:"x"}}} mean the same.
//
// The encoder writes the compact form: a chain of single-child levels collapses into one array
// key ({[3,0,6]:{0:1,1:5}}); single IDs stay plain integers. Entries keep the order in which
// their paths first appear in the records. The format has no timestamps: Record::time is not
// carried (as with TLV).
#include <algorithm>

#include "cbor_value.hpp"
#include "format_codecs.hpp"
#include "record_checks.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "LwM2M CBOR";

using ErrorKind = FormatErrorKind;

FormatError cbor_error(ErrorKind kind, std::size_t offset, std::string message,
                       std::optional<Path> path = std::nullopt) {
  return FormatError{std::string(format_name) + ": " + std::move(message), offset, std::move(path),
                     kind};
}

FormatError prefixed(FormatError error) {
  error.message = std::string(format_name) + ": " + error.message;
  return error;
}

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, const Path& base, const DecodeOptions& options,
          std::vector<Record>& out)
      : reader_(in), base_(base), options_(options), out_(out), first_(out.size()) {}

  std::optional<FormatError> run() {
    CborContainer top;
    auto error = reader_.enter_map(top);
    if (error) error = prefixed(*error);
    if (!error) error = entries(top, Path{});
    if (!error) {
      error = reader_.expect_end();
      if (error) error = prefixed(*error);
    }
    if (!error) error = check_unique();
    if (error) out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(first_), out_.end());
    return error;
  }

 private:
  // Reads one key: an ID or a non-empty array of IDs, appended to `path`.
  std::optional<FormatError> key(Path& path) {
    const std::size_t at = reader_.offset();
    CborType type{};
    if (auto e = reader_.peek(type)) return prefixed(*e);
    if (type == CborType::Unsigned) return id(path, at);
    if (type != CborType::Array) {
      return cbor_error(ErrorKind::Malformed, at,
                        "a key must be an ID or an array of IDs under " + path.to_string(), path);
    }
    CborContainer ids;
    if (auto e = reader_.enter_array(ids)) return prefixed(*e);
    bool empty = true;
    while (true) {
      bool more = false;
      if (auto e = reader_.next(ids, more)) return prefixed(*e);
      if (!more) break;
      empty = false;
      if (auto e = id(path, reader_.offset())) return e;
    }
    if (empty)
      return cbor_error(ErrorKind::Malformed, at, "empty array key under " + path.to_string(),
                        path);
    return std::nullopt;
  }

  std::optional<FormatError> id(Path& path, std::size_t at) {
    Number n;
    if (auto e = reader_.read_integer(n)) return prefixed(*e);
    if (n.kind != Number::Kind::Signed || n.i < 0 || n.i > max_id) {
      return cbor_error(
          ErrorKind::InvalidPath, at,
          "invalid ID under " + path.to_string() + " (0.." + std::to_string(max_id) + ")", path);
    }
    if (path.depth() == 4) {
      return cbor_error(ErrorKind::InvalidPath, at,
                        "path deeper than a resource instance: " + path.to_string(), path);
    }
    path = path.child(static_cast<std::uint16_t>(n.i));
    return std::nullopt;
  }

  // The key/value pairs of a map whose keys continue `prefix`. Recursion is bounded: every
  // level adds at least one path segment and paths have at most four.
  std::optional<FormatError> entries(CborContainer& map, const Path& prefix) {
    while (true) {
      bool more = false;
      if (auto e = reader_.next(map, more)) return prefixed(*e);
      if (!more) return std::nullopt;
      Path path = prefix;
      if (auto e = key(path)) return e;
      const std::size_t at = reader_.offset();
      CborType type{};
      if (auto e = reader_.peek(type)) return prefixed(*e);
      if (type == CborType::Map) {
        if (path.depth() == 4) {
          return cbor_error(ErrorKind::InvalidPath, at,
                            "nothing lies below the resource instance " + path.to_string(), path);
        }
        CborContainer child;
        if (auto e = reader_.enter_map(child)) return prefixed(*e);
        if (auto e = entries(child, path)) return e;
        continue;
      }
      Record record{path, Value{}, std::nullopt};
      if (type == CborType::Null) {
        if (auto e = reader_.read_null()) return prefixed(*e);
      } else {
        if (!path.has_resource()) {
          return cbor_error(ErrorKind::InvalidPath, at,
                            "a value needs a resource path, not " + path.to_string(), path);
        }
        WireValue wire;
        if (auto e = read_cbor_value(reader_, wire)) {
          auto error = prefixed(*e);
          error.path = path;
          return error;
        }
        if (auto why = to_value(wire, lookup_type(options_, path), record.value)) {
          return cbor_error(ErrorKind::TypeMismatch, at, path.to_string() + ": " + *why, path);
        }
      }
      if (auto e = add(std::move(record), at)) return e;
    }
  }

  std::optional<FormatError> add(Record record, std::size_t at) {
    if (!base_.is_prefix_of(record.path)) {
      return cbor_error(
          ErrorKind::OutsideRequest, at,
          record.path.to_string() + " lies outside the request path " + base_.to_string(),
          record.path);
    }
    if (offsets_.size() >= options_.max_records) {
      return cbor_error(ErrorKind::LimitExceeded, at,
                        "more than " + std::to_string(options_.max_records) + " records",
                        record.path);
    }
    out_.push_back(std::move(record));
    offsets_.push_back(at);
    return std::nullopt;
  }

  std::optional<FormatError> check_unique() const {
    return check_unique_paths(std::span<const Record>(out_).subspan(first_), offsets_, format_name);
  }

  CborReader reader_;
  const Path& base_;
  const DecodeOptions& options_;
  std::vector<Record>& out_;
  const std::size_t first_;
  std::vector<std::size_t> offsets_;  // input offset of each record added, for error reports
};

// A key made of the IDs at [from, to) of `path`: a plain ID when there is one.
void write_key(CborWriter& w, const Path& path, std::size_t from, std::size_t to) {
  if (to - from > 1) w.array(to - from);
  for (std::size_t d = from; d < to; ++d) w.unsigned_integer(path[d]);
}

// Reorders `records` so that those with the same ID at `depth` are adjacent, groups in the order
// of their first appearance (the caller's order, e.g. that of a Read-Composite request).
void group_by_id(std::span<const Record*> records, std::size_t depth) {
  std::vector<std::uint16_t> ids;  // distinct IDs in order of first appearance
  std::vector<std::pair<std::size_t, const Record*>> ranked;
  ranked.reserve(records.size());
  for (const Record* r : records) {
    const std::uint16_t id = r->path[depth];
    const auto it = std::find(ids.begin(), ids.end(), id);
    ranked.emplace_back(static_cast<std::size_t>(it - ids.begin()), r);
    if (it == ids.end()) ids.push_back(id);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < records.size(); ++i) records[i] = ranked[i].second;
}

// Writes the map of `records`, which share their first `depth` IDs and are all deeper than
// that; no path is a prefix of another.
void write_level(CborWriter& w, std::span<const Record*> records, std::size_t depth) {
  group_by_id(records, depth);
  std::size_t groups = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i == 0 || records[i]->path[depth] != records[i - 1]->path[depth]) ++groups;
  }
  w.map(groups);
  std::size_t i = 0;
  while (i < records.size()) {
    std::size_t j = i + 1;
    while (j < records.size() && records[j]->path[depth] == records[i]->path[depth]) ++j;
    const Path& first = records[i]->path;
    if (j - i == 1) {
      write_key(w, first, depth, first.depth());
      write_cbor_value(w, records[i]->value);
    } else {
      // The IDs every path of the group shares; it ends before each path does (no prefixes).
      std::size_t common = first.depth();
      for (std::size_t k = i + 1; k < j; ++k) {
        std::size_t d = depth + 1;
        while (d < common && records[k]->path[d] == first[d]) ++d;
        common = d;
      }
      write_key(w, first, depth, common);
      write_level(w, records.subspan(i, j - i), common);
    }
    i = j;
  }
}

}  // namespace

std::optional<FormatError> decode_lwm2m_cbor(std::span<const std::uint8_t> payload,
                                             const Path& base, const DecodeOptions& options,
                                             std::vector<Record>& out) {
  return Decoder(payload, base, options, out).run();
}

std::optional<FormatError> encode_lwm2m_cbor(std::span<const Record> records, const Path& base,
                                             std::vector<std::uint8_t>& out) {
  if (auto error = check_record_paths(records, base, format_name)) return error;
  std::vector<const Record*> ordered;
  ordered.reserve(records.size());
  for (const Record& r : records) {
    if (r.path.is_root()) {
      return cbor_error(ErrorKind::Unsupported, 0, "the root path has no key", r.path);
    }
    if (!r.value.is_none() && !r.path.has_resource()) {
      return cbor_error(ErrorKind::InvalidPath, 0,
                        "cannot encode a value for " + r.path.to_string(), r.path);
    }
    if (!has_valid_text(r.value)) {
      return cbor_error(ErrorKind::Malformed, 0, r.path.to_string() + ": text is not valid UTF-8",
                        r.path);
    }
    ordered.push_back(&r);
  }
  std::vector<const Record*> sorted = ordered;
  std::sort(sorted.begin(), sorted.end(),
            [](const Record* a, const Record* b) { return a->path < b->path; });
  for (std::size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k - 1]->path.is_prefix_of(sorted[k]->path)) {
      return cbor_error(ErrorKind::Duplicate, 0,
                        "duplicate records for " + sorted[k]->path.to_string(), sorted[k]->path);
    }
  }
  CborWriter w(out);
  write_level(w, ordered, 0);
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
