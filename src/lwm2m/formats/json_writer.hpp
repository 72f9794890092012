// A compact JSON writer (no whitespace) for SenML JSON and OMA JSON. It places the commas
// itself; strings must be valid UTF-8 (callers check) and are written with the minimal escapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace drover::lwm2m::detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  // A member name; the next value written is its value.
  void key(std::string_view name);

  void string(std::string_view v);
  void integer(std::int64_t v);
  void unsigned_integer(std::uint64_t v);
  // A float that reads back as one: the shortest exact form, with ".0" added to integral values
  // ("1.0", "1e+300"). Precondition: finite (JSON has no NaN or infinity).
  void floating(double v);
  // The shortest exact form, integral values as integers ("1700000000", "0.5"). For times.
  // Precondition: finite.
  void number(double v);
  void boolean(bool v) { raw(v ? "true" : "false"); }

  // Characters number(v) writes.
  static std::size_t number_size(double v);

 private:
  void open(char bracket);
  void close(char bracket);
  void separate();
  void raw(std::string_view text);

  std::vector<std::uint8_t>& out_;
  std::size_t depth_ = 0;
  std::uint64_t first_ = 1;  // bit d: the container at depth d has no element yet
  bool after_key_ = false;
};

}  // namespace drover::lwm2m::detail
