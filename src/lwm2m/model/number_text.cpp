#include "drover/lwm2m/model/number_text.hpp"

#include <locale.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace drover::lwm2m {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

template <typename T>
std::optional<T> parse_integer(std::string_view text, std::size_t* error_at) {
  T value{};
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc{} && ptr == end) return value;
  if (error_at != nullptr) {
    *error_at = ec == std::errc::result_out_of_range ? 0 : static_cast<std::size_t>(ptr - begin);
  }
  return std::nullopt;
}

// Offset just past the digits starting at `i`.
std::size_t skip_digits(std::string_view text, std::size_t i) {
  while (i < text.size() && is_digit(text[i])) ++i;
  return i;
}

// Scans the grammar of parse_double from the start of `text`. Returns where the scan stopped;
// `complete` tells whether what came before forms a number (false for "1." or "-").
std::size_t scan_decimal(std::string_view text, bool& complete) {
  complete = false;
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t j = skip_digits(text, i);
  if (j == i) return i;
  i = j;
  if (i < text.size() && text[i] == '.') {
    j = skip_digits(text, i + 1);
    if (j == i + 1) return j;
    i = j;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t k = i + 1;
    if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
    j = skip_digits(text, k);
    if (j == k) return k;
    i = j;
  }
  complete = true;
  return i;
}

// The powers of ten that are exact doubles.
constexpr std::array<double, 23> powers = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// `text` (of the grammar above) when its digits, at most 15 after leading zeros, and its scale,
// at most 10^22 either way, are exact doubles: the value is then one correctly rounded product
// or quotient of the two (Clinger's fast path), which is what most readings are.
std::optional<double> exact_quotient(std::string_view text) {
  const bool negative = text.front() == '-';
  std::uint64_t digits = 0;
  int count = 0;
  int scale = 0;
  bool fraction = false;
  std::size_t i = negative ? 1 : 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      fraction = true;
      continue;
    }
    if (fraction) --scale;
    if (digits == 0 && text[i] == '0') continue;
    if (++count > 15) return std::nullopt;
    digits = digits * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i < text.size()) {
    const bool down = text[++i] == '-';
    if (text[i] == '-' || text[i] == '+') ++i;
    int exponent = 0;
    for (; i < text.size() && exponent < 1000; ++i) exponent = exponent * 10 + (text[i] - '0');
    scale += down ? -exponent : exponent;
  }
  double value = 0;
  if (digits != 0) {
    if (scale < -22 || scale > 22) return std::nullopt;
    const auto d = static_cast<double>(digits);
    value = scale < 0 ? d / powers[static_cast<std::size_t>(-scale)]
                      : d * powers[static_cast<std::size_t>(scale)];
  }
  return negative ? -value : value;
}

// strtod takes the radix character of the process locale ("1,5" under de_DE); numbers here are
// always written with '.', so they are read in a C locale of their own, made once.
double read_c(const char* terminated) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
  return strtod_l(terminated, nullptr, c_locale);
}

// A positive double to `count` significant digits: digits[0].digits[1..count) x 10^exponent.
struct Decimal {
  std::array<char, 17> digits{};
  int count = 0;
  int exponent = 0;
};

// `a` correctly rounded to `count` significant digits (the C library's printf rounds exactly).
Decimal rounded(double a, int count) {
  // Whatever printf writes for the radix character (locale dependent) is skipped: only the
  // digits and the exponent are taken.
  std::array<char, 48> text{};
  std::snprintf(text.data(), text.size(), "%.*e", count - 1, a);
  Decimal d;
  const char* p = text.data();
  for (; *p != 'e'; ++p) {
    if (*p >= '0' && *p <= '9') d.digits[static_cast<std::size_t>(d.count++)] = *p;
  }
  d.exponent = std::atoi(p + 1);
  return d;
}

// `d` in exponent form ("1.25e+07"), without a terminator; returns the end.
char* put_scientific(char* out, const Decimal& d) {
  *out++ = d.digits[0];
  if (d.count > 1) {
    *out++ = '.';
    out = std::copy_n(d.digits.begin() + 1, d.count - 1, out);
  }
  *out++ = 'e';
  *out++ = d.exponent < 0 ? '-' : '+';
  const int e = std::abs(d.exponent);
  if (e < 10) *out++ = '0';
  return std::to_chars(out, out + 3, e).ptr;
}

// The double nearest to `d`.
double read_back(const Decimal& d) {
  std::array<char, 32> text{};
  *put_scientific(text.data(), d) = '\0';
  return read_c(text.data());
}

// The `count`-digit neighbour of `d` one unit in its last digit up (step 1) or down (step -1).
Decimal neighbour(Decimal d, int step) {
  auto i = static_cast<std::size_t>(d.count);
  const char wrap = step > 0 ? '9' : '0';
  while (i > 0 && d.digits[i - 1] == wrap) d.digits[--i] = step > 0 ? '0' : '9';
  if (i == 0) {  // 99.9 + 0.1: the carry makes 100
    d.digits[0] = '1';
    ++d.exponent;
    return d;
  }
  d.digits[i - 1] = static_cast<char>(d.digits[i - 1] + step);
  if (d.digits[0] == '0') {  // 100 - 1 in the last of 3 digits is 99.9
    std::copy_n(d.digits.begin() + 1, d.count - 1, d.digits.begin());
    d.digits[static_cast<std::size_t>(d.count - 1)] = '9';
    --d.exponent;
  }
  return d;
}

// `all` (`a` correctly rounded to 17 digits) rounded to `count` digits. Rounding twice gives the
// correctly rounded value, except where the digits dropped are exactly a 5 and zeros: `a` may
// then lie on either side of that midpoint, and printf rounds `a` itself again.
Decimal rounded(double a, const Decimal& all, int count) {
  const auto dropped = all.digits.begin() + count;
  if (*dropped == '5' &&
      std::all_of(dropped + 1, all.digits.end(), [](char c) { return c == '0'; })) {
    return rounded(a, count);
  }
  Decimal d = all;
  d.count = count;
  return *dropped >= '5' ? neighbour(d, 1) : d;
}

// The `count`-digit number nearest to `a` that reads back to `a`, if there is one. That is the
// correctly rounded one, except where `a` is a power of two: the doubles below it are closer
// than those above, and the rounded value may fall just outside on that side while its
// neighbour on the other side is still inside.
std::optional<Decimal> round_trip(double a, const Decimal& all, int count) {
  const Decimal d = rounded(a, all, count);
  const double back = read_back(d);
  if (back == a) return d;
  constexpr std::uint64_t fraction_bits = (std::uint64_t{1} << 52) - 1;
  if ((std::bit_cast<std::uint64_t>(a) & fraction_bits) == 0) {
    const Decimal other = neighbour(d, back < a ? 1 : -1);
    if (read_back(other) == a) return other;
  }
  return std::nullopt;
}

// The number m x 10^-k that reads back to `a` with m below 10^15, if k <= 22 finds one: what
// readings (23.5, 0.001, 1013.25) mostly are, found without printf or strtod. Two numbers of at
// most 15 digits never read back to the same double (DBL_DIG), so the one found is the only one,
// hence the shortest. m and 10^k are exact doubles, so m / 10^k rounds once, as strtod does.
std::optional<Decimal> short_reading(double a) {
  constexpr double limit = 1e15;
  for (std::size_t k = 0; k < powers.size(); ++k) {
    const double scaled = a * powers[k];
    if (scaled >= limit) break;
    // A rounding of `scaled` to the wrong side only misses here; another k or printf finds it.
    const auto m = static_cast<std::uint64_t>(scaled + 0.5);
    if (m == 0 || static_cast<double>(m) / powers[k] != a) continue;
    std::array<char, 16> text{};
    const char* const end = std::to_chars(text.data(), text.data() + text.size(), m).ptr;
    const auto length = static_cast<int>(end - text.data());
    Decimal d;
    d.count = length;
    while (text[static_cast<std::size_t>(d.count - 1)] == '0') --d.count;
    std::copy_n(text.begin(), d.count, d.digits.begin());
    d.exponent = length - 1 - static_cast<int>(k);
    return d;
  }
  return std::nullopt;
}

// The fewest digits that read back to `a` (> 0, finite), as std::to_chars finds them. If some
// `n`-digit number reads back, so does an (n+1)-digit one (the same number), so the count can be
// searched by halves; 17 digits always read back.
Decimal shortest(double a) {
  if (auto d = short_reading(a)) return *d;
  const Decimal all = rounded(a, 17);
  int low = 1;
  int high = 17;
  Decimal best = all;
  while (low < high) {
    const int mid = (low + high) / 2;
    if (auto d = round_trip(a, all, mid)) {
      best = *d;
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return best;
}

// From 2^53 on every double is an integer, written in full in plain notation (as printf("%.0f")
// gives it, without a radix character), not as its shortest digits padded with zeros.
constexpr double all_integers = 9007199254740992.0;

// Characters of the plain form of `a` (< 2^53) with shortest digits `d`.
int plain_length(const Decimal& d) {
  if (d.exponent < 0) return d.count + 1 - d.exponent;  // 0.00123
  if (d.count > d.exponent + 1) return d.count + 1;     // 12.3
  return d.exponent + 1;                                // 12300
}

int scientific_length(const Decimal& d) {
  return d.count + (d.count > 1 ? 1 : 0) + 2 + (std::abs(d.exponent) >= 100 ? 3 : 2);
}

// The plain form of `a` (< 2^53) with shortest digits `d`; returns the end.
char* put_plain(char* out, const Decimal& d) {
  const auto digits = d.digits.begin();
  if (d.exponent < 0) {
    *out++ = '0';
    *out++ = '.';
    out = std::fill_n(out, -d.exponent - 1, '0');
    return std::copy_n(digits, d.count, out);
  }
  const int whole = d.exponent + 1;
  if (d.count <= whole) return std::fill_n(std::copy_n(digits, d.count, out), whole - d.count, '0');
  out = std::copy_n(digits, whole, out);
  *out++ = '.';
  return std::copy_n(digits + whole, d.count - whole, out);
}

// The integer `a` (2^53 <= a < 1e25) in full; returns the end.
char* put_integer(char* out, double a) {
  std::array<char, 32> text{};
  const int length = std::snprintf(text.data(), text.size(), "%.0f", a);
  return std::copy_n(text.begin(), length, out);
}

// std::to_chars's shortest form of `a` (> 0) with shortest digits `d`: plain unless the exponent
// form is shorter (the full digits of an integer from 2^53 on are as many as the shortest
// digits padded with zeros, so the lengths compare the same).
char* put_shortest(char* out, double a, const Decimal& d) {
  if (plain_length(d) > scientific_length(d)) return put_scientific(out, d);
  return a >= all_integers ? put_integer(out, a) : put_plain(out, d);
}

}  // namespace

std::optional<std::int64_t> parse_int64(std::string_view text, std::size_t* error_at) {
  return parse_integer<std::int64_t>(text, error_at);
}

std::optional<std::uint64_t> parse_uint64(std::string_view text, std::size_t* error_at) {
  return parse_integer<std::uint64_t>(text, error_at);
}

std::optional<double> parse_double(std::string_view text, std::size_t* error_at) {
  // from_chars alone would also take "inf", "nan" and "1." forms; check the grammar first.
  bool complete = false;
  const std::size_t stop = scan_decimal(text, complete);
  if (!complete || stop != text.size()) {
    if (error_at != nullptr) *error_at = stop;
    return std::nullopt;
  }
  if (const auto exact = exact_quotient(text)) return exact;
  // strtod wants a terminated text: copied to the stack unless it is unusually long.
  std::array<char, 64> small{};
  std::string large;
  const char* terminated = small.data();
  if (text.size() < small.size()) {
    std::copy(text.begin(), text.end(), small.begin());
  } else {
    large = text;
    terminated = large.c_str();
  }
  const int saved_errno = errno;
  errno = 0;
  const double value = read_c(terminated);
  const bool underflow = value == 0 && errno == ERANGE;
  errno = saved_errno;
  if (std::isinf(value) || underflow) {
    if (error_at != nullptr) *error_at = 0;
    return std::nullopt;
  }
  return value;
}

void append_int64(std::string& out, std::int64_t v) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

void append_uint64(std::string& out, std::uint64_t v) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

std::string_view format_double(double v, DoubleText& buf) {
  char* out = buf.data();
  if (std::signbit(v)) *out++ = '-';
  const double a = std::fabs(v);
  if (a == 0) {
    *out++ = '0';
  } else {
    out = put_shortest(out, a, shortest(a));
  }
  return {buf.data(), static_cast<std::size_t>(out - buf.data())};
}

void append_double(std::string& out, double v) {
  // Plain notation is what LwM2M examples use and every peer reads; beyond this length the
  // exponent form is both shorter and still accepted by common parsers.
  constexpr std::ptrdiff_t max_plain_length = 24;
  std::array<char, 32> buf{};
  char* const start = buf.data();
  char* first = start;
  if (std::signbit(v)) *first++ = '-';
  const double a = std::fabs(v);
  char* end = nullptr;
  if (a == 0) {
    *first = '0';
    end = first + 1;
  } else {
    const Decimal d = shortest(a);
    if (a >= all_integers) {
      if (a < 1e25) end = put_integer(first, a);  // larger ones have more than 24 digits
    } else if (first - start + plain_length(d) <= max_plain_length) {
      end = put_plain(first, d);
    }
    if (end == nullptr || end - start > max_plain_length) end = put_shortest(first, a, d);
  }
  out.append(start, end);
}

}  // namespace drover::lwm2m
