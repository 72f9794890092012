#include "senml.hpp"

#include <cmath>

#include "drover/lwm2m/formats/base64.hpp"
#include "record_checks.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr double relative_time_limit = 268435456.0;  // 2^28, RFC 8428 §4.5.3

struct LabelNames {
  SenmlLabel label;
  std::string_view json;
  std::int64_t cbor;
};

// RFC 8428 Table 4 (CBOR labels), plus "vlo" from the LwM2M Core TS (a text key in CBOR too).
constexpr LabelNames label_names[] = {
    {SenmlLabel::BaseName, "bn", -2},    {SenmlLabel::BaseTime, "bt", -3},
    {SenmlLabel::Name, "n", 0},          {SenmlLabel::Value, "v", 2},
    {SenmlLabel::StringValue, "vs", 3},  {SenmlLabel::BooleanValue, "vb", 4},
    {SenmlLabel::DataValue, "vd", 8},    {SenmlLabel::Time, "t", 6},
    {SenmlLabel::Unsupported, "bv", -5}, {SenmlLabel::Unsupported, "bs", -6},
    {SenmlLabel::Unsupported, "s", 5},   {SenmlLabel::Ignored, "bver", -1},
    {SenmlLabel::Ignored, "bu", -4},     {SenmlLabel::Ignored, "u", 1},
    {SenmlLabel::Ignored, "ut", 7},
};

bool is_value_label(SenmlLabel label) {
  return label == SenmlLabel::Value || label == SenmlLabel::StringValue ||
         label == SenmlLabel::BooleanValue || label == SenmlLabel::DataValue ||
         label == SenmlLabel::ObjlnkValue;
}

using ErrorKind = FormatErrorKind;

FormatError record_error(ErrorKind kind, std::string_view format, std::size_t offset,
                         std::string message, std::optional<Path> path = std::nullopt) {
  return FormatError{std::string(format) + ": " + std::move(message), offset, std::move(path),
                     kind};
}

// bt + t (either may be absent, not both), resolved against `now` when below 2^28.
std::optional<std::string> resolve_time(std::optional<double> base_time, std::optional<double> time,
                                        double now, double& out) {
  double t = base_time.value_or(0) + time.value_or(0);
  if (t < relative_time_limit) t += now;
  if (!std::isfinite(t)) return std::string("time is not a finite number");
  out = t;
  return std::nullopt;
}

}  // namespace

SenmlLabel senml_label(std::string_view json_label) {
  if (json_label == "vlo") return SenmlLabel::ObjlnkValue;
  for (const auto& names : label_names) {
    if (names.json == json_label) return names.label;
  }
  return !json_label.empty() && json_label.back() == '_' ? SenmlLabel::MustUnderstand
                                                         : SenmlLabel::Ignored;
}

SenmlLabel senml_label(std::int64_t cbor_label) {
  for (const auto& names : label_names) {
    if (names.cbor == cbor_label) return names.label;
  }
  return SenmlLabel::Ignored;
}

std::string_view senml_json_label(SenmlLabel label) {
  if (label == SenmlLabel::ObjlnkValue) return "vlo";
  for (const auto& names : label_names) {
    if (names.label == label) return names.json;
  }
  return {};
}

std::int64_t senml_cbor_label(SenmlLabel label) {
  for (const auto& names : label_names) {
    if (names.label == label) return names.cbor;
  }
  return 0;
}

SenmlLabel senml_value_label(DataType type) {
  switch (type) {
    case DataType::String:
    case DataType::Corelnk:
      return SenmlLabel::StringValue;
    case DataType::Boolean:
      return SenmlLabel::BooleanValue;
    case DataType::Opaque:
      return SenmlLabel::DataValue;
    case DataType::Objlnk:
      return SenmlLabel::ObjlnkValue;
    default:
      return SenmlLabel::Value;
  }
}

void SenmlFields::clear() {
  base_name.reset();
  base_time.reset();
  name.reset();
  time.reset();
  value.reset();
  offset = 0;
  seen_ = 0;
}

std::optional<FormatError> SenmlFields::note(SenmlLabel label, std::size_t at,
                                             std::string_view format) {
  if (label == SenmlLabel::Ignored) return std::nullopt;
  if (label == SenmlLabel::MustUnderstand) {
    return record_error(ErrorKind::Malformed, format, at,
                        "unknown label ending in '_' (must be understood)");
  }
  if (label == SenmlLabel::Unsupported) {
    return record_error(ErrorKind::Unsupported, format, at,
                        "base value, base sum and sum are not supported by LwM2M");
  }
  const std::uint32_t bit = std::uint32_t{1} << static_cast<unsigned>(label);
  if ((seen_ & bit) != 0)
    return record_error(ErrorKind::Duplicate, format, at, "label repeated in a record");
  if (is_value_label(label) && value)
    return record_error(ErrorKind::Duplicate, format, at, "more than one value");
  seen_ |= bit;
  return std::nullopt;
}

std::optional<FormatError> SenmlDecoder::add(SenmlFields& fields) {
  if (fields.base_name) base_name_ = std::move(*fields.base_name);
  if (fields.base_time) base_time_ = fields.base_time;
  name_ = base_name_;
  if (fields.name) name_ += *fields.name;
  if (name_.empty())
    return record_error(ErrorKind::InvalidPath, format_, fields.offset, "record without a name");
  const auto path = Path::parse(name_);
  if (!path) {
    return record_error(ErrorKind::InvalidPath, format_, fields.offset,
                        "name \"" + name_ + "\" is not an LwM2M path");
  }
  if (!base_.is_prefix_of(*path)) {
    return record_error(ErrorKind::OutsideRequest, format_, fields.offset,
                        path->to_string() + " lies outside the request path " + base_.to_string(),
                        *path);
  }
  Record record{*path, Value{}, std::nullopt};
  if (fields.time || base_time_) {
    double t = 0;
    if (auto why = resolve_time(base_time_, fields.time, options_.now, t)) {
      return record_error(ErrorKind::Malformed, format_, fields.offset,
                          path->to_string() + ": " + *why, *path);
    }
    record.time = t;
  }
  if (fields.value) {
    if (!path->has_resource()) {
      return record_error(ErrorKind::InvalidPath, format_, fields.offset,
                          "a value needs a resource path, not " + path->to_string(), *path);
    }
    const auto type = lookup_type(options_, *path);
    if (base64_text_opaque_ && type == DataType::Opaque &&
        fields.value->kind == WireValue::Kind::Text) {
      auto bytes = base64_decode(fields.value->text, false);
      if (!bytes) bytes = base64_decode(fields.value->text, true);
      if (!bytes) {
        return record_error(ErrorKind::Malformed, format_, fields.offset,
                            path->to_string() + ": Opaque value is not base64", *path);
      }
      fields.value->kind = WireValue::Kind::Bytes;
      fields.value->bytes = std::move(*bytes);
    }
    if (auto why = to_value(*fields.value, type, record.value)) {
      return record_error(ErrorKind::TypeMismatch, format_, fields.offset,
                          path->to_string() + ": " + *why, *path);
    }
  }
  if (added_ >= options_.max_records) {
    return record_error(ErrorKind::LimitExceeded, format_, fields.offset,
                        "more than " + std::to_string(options_.max_records) + " records", *path);
  }
  out_.push_back(std::move(record));
  ++added_;
  return std::nullopt;
}

std::optional<FormatError> check_senml_records(std::span<const Record> records, const Path& base,
                                               std::string_view format) {
  if (auto error = check_record_paths(records, base, format)) return error;
  for (const Record& r : records) {
    if (!r.value.is_none() && !r.path.has_resource()) {
      return record_error(ErrorKind::InvalidPath, format, 0,
                          "cannot encode a value for " + r.path.to_string(), r.path);
    }
    if (r.time && !std::isfinite(*r.time)) {
      return record_error(ErrorKind::Unsupported, format, 0,
                          r.path.to_string() + ": time is not finite", r.path);
    }
    if (!has_valid_text(r.value)) {
      return record_error(ErrorKind::Malformed, format, 0,
                          r.path.to_string() + ": text is not valid UTF-8", r.path);
    }
  }
  return std::nullopt;
}

Path common_name_prefix(std::span<const Record> records) {
  if (records.empty()) return Path{};
  Path common = records.front().path;
  for (const Record& r : records) {
    std::size_t d = 0;
    while (d < common.depth() && d < r.path.depth() && common[d] == r.path[d]) ++d;
    common = common.truncated(d);
  }
  for (const Record& r : records) {
    if (r.path == common && !common.is_root()) common = common.parent();
  }
  return common;
}

std::optional<double> choose_base_time(std::span<const Record> records, const SenmlSizes& sizes) {
  if (records.size() < 2) return std::nullopt;
  for (const Record& r : records) {
    if (!r.time) return std::nullopt;
  }
  const double bt = *records.front().time;
  std::size_t without = 0;
  std::size_t with = sizes.base_time_label + sizes.number(bt);
  for (const Record& r : records) {
    const double t = *r.time;
    const double delta = t - bt;
    if (!std::isfinite(delta) || bt + delta != t) return std::nullopt;
    without += sizes.time_label + sizes.number(t);
    if (delta != 0) with += sizes.time_label + sizes.number(delta);
  }
  if (with < without) return bt;
  return std::nullopt;
}

std::optional<FormatError> plan_senml(std::span<const Record> records, const Path& base,
                                      std::string_view format, const SenmlSizes& sizes,
                                      SenmlPack& pack) {
  pack = SenmlPack{};
  if (auto e = check_senml_records(records, base, format)) return e;
  const Path common = common_name_prefix(records);
  if (!common.is_root()) {
    const std::string base_name = common.to_string() + "/";
    const std::size_t b = base_name.size();
    std::size_t without = 0;
    std::size_t with = sizes.base_name_label + sizes.text(b);
    for (const Record& r : records) {
      const std::size_t length = r.path.to_string().size();
      without += sizes.text(length);
      with += sizes.text(length - b);
    }
    if (with < without) pack.base_name = base_name;
  }
  pack.base_time = choose_base_time(records, sizes);
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
