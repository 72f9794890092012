// Property test: random links with every kind of parameter the module writes (the typed LwM2M
// attributes, bare parameters, values that need quotes and escapes, empty values, UTF-8) survive
// serialize then parse unchanged, and the typed accessors read back what was added.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::lwm2m {
namespace {

// A check of one typed accessor on the parsed link at the same index.
using Expectation = std::function<void(const Link&)>;

class LinkGenerator {
 public:
  explicit LinkGenerator(std::uint32_t seed) : rng_(seed) {}

  std::vector<Link> generate(std::vector<std::vector<Expectation>>& expectations) {
    std::vector<Link> links;
    for (int n = pick(0, 8); n > 0; --n) {
      Link link(target());
      auto& checks = expectations.emplace_back();
      for (int a = pick(0, 8); a > 0; --a) {
        const std::size_t before = checks.size();
        attribute(link, checks);
        // The accessors read the first parameter of a name: check only first occurrences.
        const std::string& added = link.attributes.back().name;
        if (&link.find(added)->name != &added) checks.resize(before);
      }
      links.push_back(std::move(link));
    }
    return links;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::uint64_t pick64() { return std::uniform_int_distribution<std::uint64_t>()(rng_); }

  std::uint16_t id() { return static_cast<std::uint16_t>(pick(0, 65534)); }

  std::string target() {
    switch (pick(0, 3)) {
      case 0: {  // an LwM2M path of any depth
        Path p;
        for (int d = pick(0, 4); d > 0; --d) p = p.child(id());
        return p.to_string();
      }
      case 1:
        return "/lwm2m" + Path(id(), id()).to_string();
      case 2:
        return "";
      default: {  // anything a target may hold: printable ASCII but the angle brackets
        std::string out;
        for (int n = pick(1, 20); n > 0; --n) {
          char c = '<';
          while (c == '<' || c == '>') c = static_cast<char>(pick(0x21, 0x7E));
          out += c;
        }
        return out;
      }
    }
  }

  std::string name() {
    static constexpr std::string_view chars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~*";
    std::string out;
    for (int n = pick(1, 8); n > 0; --n) out += chars[static_cast<std::size_t>(pick(0, 74))];
    return out;
  }

  std::string free_text() {
    static constexpr std::string_view pieces[] = {
        "a", "Z", "0", " ", "\t", "\"", "\\", ",", ";", "=", "<", ">", "é", "日本", "x y", "\\\"",
    };
    std::string out;
    for (int n = pick(0, 6); n > 0; --n) out += pieces[static_cast<std::size_t>(pick(0, 15))];
    return out;
  }

  double number() {
    switch (pick(0, 4)) {
      case 0:
        return static_cast<double>(pick(-1000, 1000));
      case 1:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      case 2:
        return std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng_), pick(-1000, 1000));
      case 3:
        return pick(0, 1) == 0 ? 0.5 : -42.2;
      default:
        return pick(0, 1) == 0 ? std::numeric_limits<double>::max()
                               : std::numeric_limits<double>::denorm_min();
    }
  }

  void attribute(Link& link, std::vector<Expectation>& checks) {
    switch (pick(0, 11)) {
      case 0: {  // the unsigned notification attributes
        static constexpr std::string_view names[] = {"pmin", "pmax", "epmin", "epmax", "hqmax"};
        const std::string n(names[static_cast<std::size_t>(pick(0, 4))]);
        const std::uint64_t v =
            pick(0, 1) == 0 ? static_cast<std::uint64_t>(pick(0, 86400)) : pick64();
        link.add(n, v);
        checks.push_back([n, v](const Link& l) { EXPECT_EQ(l.uint_attribute(n), v) << n; });
        return;
      }
      case 1: {  // ssid, dim
        const std::string n = pick(0, 1) == 0 ? "ssid" : "dim";
        const auto v = static_cast<std::uint16_t>(pick(0, 65535));
        link.add(n, v);
        checks.push_back([n, v](const Link& l) { EXPECT_EQ(l.uint16_attribute(n), v) << n; });
        return;
      }
      case 2: {  // gt, lt, st: decimals, negative ones too
        static constexpr std::string_view names[] = {"gt", "lt", "st"};
        const std::string n(names[static_cast<std::size_t>(pick(0, 2))]);
        const double v = number();
        link.add(n, v);
        checks.push_back([n, v](const Link& l) { EXPECT_EQ(l.number_attribute(n), v) << n; });
        return;
      }
      case 3: {  // con, edge
        const std::string n = pick(0, 1) == 0 ? "con" : "edge";
        const int v = pick(0, 1);
        link.add(n, v);
        checks.push_back([n, v](const Link& l) { EXPECT_EQ(l.flag_attribute(n), v == 1) << n; });
        return;
      }
      case 4: {  // ct: one format or a list
        std::vector<std::uint16_t> formats;
        std::string text;
        for (int k = pick(1, 4); k > 0; --k) {
          const auto f = static_cast<std::uint16_t>(pick(0, 65535));
          formats.push_back(f);
          text += (text.empty() ? "" : " ") + std::to_string(f);
        }
        link.add("ct", text);
        checks.push_back([formats](const Link& l) { EXPECT_EQ(l.content_formats(), formats); });
        return;
      }
      case 5: {  // ver, lwm2m
        const std::string v = std::to_string(pick(1, 2)) + "." + std::to_string(pick(0, 3));
        const bool enabler = pick(0, 1) == 0;
        link.add(enabler ? "lwm2m" : "ver", v);
        checks.push_back([v, enabler](const Link& l) {
          EXPECT_EQ(enabler ? l.lwm2m() : l.ver(), std::optional<std::string_view>(v));
        });
        return;
      }
      case 6: {  // rt, uri: conventionally quoted
        const bool uri = pick(0, 1) == 0;
        const std::string v =
            uri ? "coaps://[::1]:" + std::to_string(pick(1, 65535)) + "/rd?ep=a,b;c=" + free_text()
                : "oma.lwm2m" + free_text();
        link.add(uri ? "uri" : "rt", v);
        checks.push_back([v, uri](const Link& l) {
          EXPECT_EQ(uri ? l.uri() : l.rt(), std::optional<std::string_view>(v));
        });
        return;
      }
      case 7:  // a bare parameter
        link.add(name());
        return;
      case 8:  // an empty value: must be quoted
        link.add(name(), std::string());
        return;
      case 9: {  // a signed integer
        const std::int64_t v = static_cast<std::int64_t>(pick64());
        link.add(name(), v);
        return;
      }
      default:  // any text: tokens, or quoted with escapes
        link.add(name(), free_text());
        return;
    }
  }

  std::mt19937 rng_;
};

TEST(LinkFormatRoundTrip, RandomLinksSurviveSerializeThenParse) {
  std::size_t links_checked = 0;
  std::size_t quoted = 0;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::vector<std::vector<Expectation>> expectations;
    const auto links = LinkGenerator(seed).generate(expectations);
    std::string text;
    const auto error = serialize_link_format(links, text);
    ASSERT_FALSE(error) << "seed " << seed << ": " << error->message;
    if (text.find('"') != std::string::npos) ++quoted;

    std::vector<Link> parsed;
    const auto parse_error = parse_link_format(text, parsed);
    ASSERT_FALSE(parse_error) << "seed " << seed << ": " << parse_error->message << " at "
                              << parse_error->offset << " of " << text;
    ASSERT_EQ(parsed, links) << "seed " << seed << ": " << text;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      for (const auto& check : expectations[i]) check(parsed[i]);
    }
    // Writing what was read gives the same text.
    std::string again;
    ASSERT_FALSE(serialize_link_format(parsed, again));
    EXPECT_EQ(again, text) << "seed " << seed;
    links_checked += links.size();
  }
  EXPECT_GT(links_checked, 800u);
  EXPECT_GT(quoted, 200u) << "quoting and escapes are exercised";
}

// Whitespace that RFC 6690 parsers meet around separators does not change what is read.
TEST(LinkFormatRoundTrip, SpacesAroundSeparatorsAreIgnored) {
  for (std::uint32_t seed = 1; seed <= 100; ++seed) {
    std::vector<std::vector<Expectation>> unused;
    const auto links = LinkGenerator(seed).generate(unused);
    std::string text;
    ASSERT_FALSE(serialize_link_format(links, text));
    // Add spaces after every separator outside quotes and targets.
    std::string spaced;
    bool quoted = false;
    bool in_target = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      spaced += c;
      if (quoted) {
        if (c == '\\') {
          spaced += text[++i];
        } else if (c == '"') {
          quoted = false;
        }
        continue;
      }
      if (in_target) {
        in_target = c != '>';
        continue;
      }
      if (c == '"') quoted = true;
      if (c == '<') in_target = true;
      if (c == ',' || c == ';') spaced += " \t";
    }
    std::vector<Link> parsed;
    const auto error = parse_link_format(spaced, parsed);
    ASSERT_FALSE(error) << "seed " << seed << ": " << error->message << " in " << spaced;
    EXPECT_EQ(parsed, links) << "seed " << seed << ": " << spaced;
  }
}

}  // namespace
}  // namespace drover::lwm2m
