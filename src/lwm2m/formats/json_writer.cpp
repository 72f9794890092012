#include "json_writer.hpp"

#include <array>
#include <charconv>
#include <optional>

#include "drover/lwm2m/model/number_text.hpp"
#include "wire_value.hpp"

namespace drover::lwm2m::detail {
namespace {

using NumberText = std::array<char, 32>;  // any 64-bit integer fits

std::string_view format_number(double v, DoubleText& buf) {
  const auto i = exact_int64(v);
  if (!i) return format_double(v, buf);
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), *i);
  return {buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
}

}  // namespace

void JsonWriter::raw(std::string_view text) {
  separate();
  out_.insert(out_.end(), text.begin(), text.end());
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  const std::uint64_t bit = std::uint64_t{1} << depth_;
  if ((first_ & bit) != 0) {
    first_ &= ~bit;
  } else {
    out_.push_back(',');
  }
}

void JsonWriter::open(char bracket) {
  separate();
  out_.push_back(static_cast<std::uint8_t>(bracket));
  ++depth_;
  first_ |= std::uint64_t{1} << depth_;
}

void JsonWriter::close(char bracket) {
  out_.push_back(static_cast<std::uint8_t>(bracket));
  --depth_;
}

void JsonWriter::key(std::string_view name) {
  string(name);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::string(std::string_view v) {
  static constexpr char hex[] = "0123456789abcdef";
  separate();
  out_.push_back('"');
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_.push_back('\\');
      out_.push_back(u);
    } else if (u < 0x20) {
      const char* short_form = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : nullptr;
      if (short_form != nullptr) {
        out_.insert(out_.end(), short_form, short_form + 2);
      } else {
        const char escape[] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 0xF]};
        out_.insert(out_.end(), std::begin(escape), std::end(escape));
      }
    } else {
      out_.push_back(u);
    }
  }
  out_.push_back('"');
}

void JsonWriter::integer(std::int64_t v) {
  NumberText buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  raw({buf.data(), static_cast<std::size_t>(r.ptr - buf.data())});
}

void JsonWriter::unsigned_integer(std::uint64_t v) {
  NumberText buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  raw({buf.data(), static_cast<std::size_t>(r.ptr - buf.data())});
}

void JsonWriter::floating(double v) {
  DoubleText buf{};
  const std::string_view text = format_double(v, buf);
  raw(text);
  if (text.find_first_of(".e") == std::string_view::npos) {
    out_.insert(out_.end(), {'.', '0'});
  }
}

void JsonWriter::number(double v) {
  DoubleText buf{};
  raw(format_number(v, buf));
}

std::size_t JsonWriter::number_size(double v) {
  DoubleText buf{};
  return format_number(v, buf).size();
}

}  // namespace drover::lwm2m::detail
