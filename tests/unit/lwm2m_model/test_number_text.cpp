#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "drover/lwm2m/model/number_text.hpp"

namespace drover::lwm2m {
namespace {

using Limits = std::numeric_limits<double>;

// The references: libstdc++'s shortest text, and what append_double wrote when it was built on it.
std::string std_shortest(double v) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return {buf.data(), r.ptr};
}

std::string std_append_double(double v) {
  std::array<char, 400> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  if (r.ec != std::errc{} || r.ptr - buf.data() > 24) {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  }
  return {buf.data(), r.ptr};
}

std::string formatted(double v) {
  DoubleText buf{};
  return std::string(format_double(v, buf));
}

std::string appended(double v) {
  std::string out;
  append_double(out, v);
  return out;
}

// Both printers against libstdc++, and the text read back by parse_double as by std::from_chars.
// Returns whether all agreed, so that a sweep stops at its first disagreement.
bool agrees(double v) {
  const std::string expected = std_shortest(v);
  EXPECT_EQ(formatted(v), expected) << std::hexfloat << v;
  EXPECT_EQ(appended(v), std_append_double(v)) << std::hexfloat << v;
  double from_std = 0;
  std::from_chars(expected.data(), expected.data() + expected.size(), from_std);
  const auto parsed = parse_double(expected);
  EXPECT_TRUE(parsed.has_value()) << expected;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(parsed.value_or(Limits::quiet_NaN())),
            std::bit_cast<std::uint64_t>(from_std))
      << expected;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(from_std), std::bit_cast<std::uint64_t>(v)) << expected;
  return !testing::Test::HasFailure();
}

TEST(NumberText, KnownForms) {
  EXPECT_EQ(formatted(0.0), "0");
  EXPECT_EQ(formatted(-0.0), "-0");
  EXPECT_EQ(formatted(1e300), "1e+300");
  EXPECT_EQ(formatted(1e-7), "1e-07");
  EXPECT_EQ(formatted(0.001), "0.001");
  EXPECT_EQ(formatted(123.5), "123.5");
  EXPECT_EQ(formatted(-2.5e-5), "-2.5e-05");
  EXPECT_EQ(formatted(1e22), "1e+22");
  EXPECT_EQ(formatted(1152921504606846976.0), "1152921504606846976");  // 2^60 in full
  EXPECT_EQ(formatted(Limits::max()), "1.7976931348623157e+308");
  EXPECT_EQ(formatted(-Limits::min()), "-2.2250738585072014e-308");
  EXPECT_EQ(formatted(Limits::denorm_min()), "5e-324");
  EXPECT_EQ(appended(6.667e-11), "0.00000000006667");
  EXPECT_EQ(appended(3800), "3800");
  EXPECT_EQ(appended(-0.0), "-0");
  EXPECT_EQ(appended(1e23), "99999999999999991611392");  // an integer in full while it fits
  EXPECT_EQ(appended(1e25), "1e+25");
  EXPECT_EQ(appended(1e-30), "1e-30");
}

TEST(NumberText, HardCases) {
  // Values where shortest printers have gone wrong: near powers of two and ten, ties, the
  // ends of the subnormal and normal ranges, integers at the edge of exactness.
  for (const double v : {0.1,
                         0.2,
                         0.3,
                         1.0 / 3,
                         2.0 / 3,
                         5e-324,
                         1e-323,
                         2.2250738585072009e-308,
                         2.2250738585072014e-308,
                         1.7976931348623157e308,
                         9007199254740991.0,
                         9007199254740992.0,
                         9007199254740994.0,
                         18014398509481992.0,
                         2.98023223876953125e-8,
                         1.8531501765868567e21,
                         -3.347727380279489e33,
                         1.9430376160308388e16,
                         4.708356024711512e18,
                         9.409340012568248e18,
                         1.2345678,
                         5.764607523034235e39,
                         1.152921504606847e40,
                         9.5e21,
                         1e21,
                         1e23,
                         1e24,
                         999999999999999900000.0,
                         123456789012345680000.0,
                         0.30000000000000004,
                         2.5e-5,
                         1e-5,
                         0.0001,
                         0.00011,
                         4.35e20,
                         1e15,
                         1e16,
                         1e17}) {
    agrees(v);
    agrees(-v);
  }
}

TEST(NumberText, PowersOfTwoAndIntegersNearTheEdgeOfExactness) {
  for (int e = Limits::min_exponent - Limits::digits; e < Limits::max_exponent; ++e) {
    if (!agrees(std::ldexp(1.0, e)) || !agrees(-std::ldexp(1.0, e))) return;
  }
  for (const int e : {53, 54, 63, 64, 70}) {
    const double edge = std::ldexp(1.0, e);
    double below = edge;
    double above = edge;
    for (int i = 0; i < 2000; ++i) {
      below = std::nextafter(below, 0.0);
      above = std::nextafter(above, Limits::infinity());
      if (!agrees(below) || !agrees(above)) return;
    }
  }
}

TEST(NumberText, RandomBitPatternsAndReadings) {
  std::mt19937_64 random(20261203);
  // Any bit pattern covers every exponent; the decimal readings are what sensors give. (Sized
  // for a few seconds; the sweep has passed with 3 million patterns and 2 million readings.)
  for (int i = 0; i < 200'000; ++i) {
    const double v = std::bit_cast<double>(random());
    if (std::isfinite(v) && !agrees(v)) return;
  }
  // Readings: the doubles nearest to decimals of 1 to 17 digits, with and without a fraction.
  std::uniform_int_distribution<int> digits(1, 17);
  std::uniform_int_distribution<int> scale(-25, 25);
  for (int i = 0; i < 100'000; ++i) {
    std::uniform_int_distribution<std::int64_t> mantissa(
        -static_cast<std::int64_t>(std::pow(10.0, digits(random))), 0);
    const std::string text = std::to_string(mantissa(random)) + "e" + std::to_string(scale(random));
    double v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    if (!agrees(v) || !agrees(-v)) return;
  }
}

TEST(NumberText, ParsesLikeFromChars) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int> length(1, 40);
  std::uniform_int_distribution<int> exponent(-340, 320);
  std::uniform_int_distribution<int> short_length(1, 17);
  std::uniform_int_distribution<int> small_exponent(-30, 30);
  // Long digit strings round correctly only with the whole of them read; short ones with small
  // exponents are computed without strtod, and must round the same.
  for (int i = 0; i < 200'000; ++i) {
    const bool small = i % 4 >= 2;
    std::string text = (i % 2 == 0) ? "-" : "";
    text += std::to_string(digit(random));
    text += '.';
    for (int n = small ? short_length(random) : length(random); n > 0; --n) {
      text += static_cast<char>('0' + digit(random));
    }
    text += 'e' + std::to_string(small ? small_exponent(random) : exponent(random));
    double expected = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), expected);
    const auto parsed = parse_double(text);
    ASSERT_EQ(parsed.has_value(), r.ec == std::errc{}) << text;
    if (parsed) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(*parsed), std::bit_cast<std::uint64_t>(expected))
          << text;
    }
  }
}

TEST(NumberText, OutOfRangeAndGrammar) {
  std::size_t at = 99;
  EXPECT_FALSE(parse_double("1e400", &at));
  EXPECT_EQ(at, 0u);
  EXPECT_FALSE(parse_double("-1e-400"));
  EXPECT_FALSE(parse_double("2.4703282292062327e-324"));  // just under half of the least
  EXPECT_EQ(parse_double("2.4703282292062328e-324"), Limits::denorm_min());
  EXPECT_EQ(parse_double("1e-320"), 1e-320);  // subnormal, not out of range
  EXPECT_EQ(parse_double("0e999999"), 0.0);
  EXPECT_EQ(parse_double("0.0000000000000000000000001e25"), 1.0);
  EXPECT_EQ(parse_double("-0.0"), 0.0);
  EXPECT_TRUE(std::signbit(parse_double("-0.0").value_or(1)));
  EXPECT_EQ(parse_double("123456789012345e-22"), 123456789012345e-22);
  EXPECT_EQ(parse_double("1234567890123456e-22"), 1234567890123456e-22);
  EXPECT_EQ(parse_double(std::string(300, '0') + "1.5"), 1.5);  // longer than the stack copy
  EXPECT_EQ(parse_double("1.7976931348623158e308"), Limits::max());
  EXPECT_FALSE(parse_double("1.7976931348623159e308"));
  for (const std::string_view bad :
       {"1.", ".5", "+1", " 1", "1 ", "inf", "nan", "0x1p3", "1e", "1,5"}) {
    EXPECT_FALSE(parse_double(bad)) << bad;
  }
}

// Sets the process locale to one with a decimal comma: an installed one, else de_DE built with
// localedef (its sources come with Debian's `locales`, which scripts/install-deps installs) into
// a folder of its own given as LOCPATH. False when neither works.
bool use_comma_locale() {
  const auto comma = [](const char* name) {
    return std::setlocale(LC_ALL, name) != nullptr && *std::localeconv()->decimal_point == ',';
  };
  for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"}) {
    if (comma(name)) return true;
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("drover-locale-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string command =
      "localedef -i de_DE -f UTF-8 '" + (dir / "de_DE.UTF-8").string() + "' >/dev/null 2>&1";
  const bool built = std::system(command.c_str()) == 0;
  ::setenv("LOCPATH", dir.c_str(), 1);
  const bool ok = built && comma("de_DE.UTF-8");
  ::unsetenv("LOCPATH");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);  // the locale stays loaded
  return ok;
}

// The C++ locale functions follow the process locale; these must not (LwM2M texts always use '.').
TEST(NumberText, IgnoresTheProcessLocale) {
  const std::string saved = std::setlocale(LC_ALL, nullptr);
  if (!use_comma_locale()) {
    std::setlocale(LC_ALL, saved.c_str());
    GTEST_SKIP() << "no locale with a decimal comma, and localedef could not build one";
  }
  EXPECT_EQ(formatted(123.5), "123.5");
  EXPECT_EQ(formatted(-2.5e-5), "-2.5e-05");
  EXPECT_EQ(appended(0.001), "0.001");
  EXPECT_EQ(appended(1e23), "99999999999999991611392");
  EXPECT_EQ(parse_double("123.5"), 123.5);
  EXPECT_EQ(parse_double("2.5e-5"), 2.5e-5);
  EXPECT_FALSE(parse_double("1,5"));
  std::setlocale(LC_ALL, saved.c_str());
}

}  // namespace
}  // namespace drover::lwm2m
