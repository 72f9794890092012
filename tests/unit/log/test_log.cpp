// The programs' log: levels per component, JSON lines, the bounded queue, file rotation.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "drover/log/log.hpp"

namespace drover::log {
namespace {

// Lines written to Config::output, gathered for the test.
struct Captured {
  std::mutex mutex;
  std::vector<std::string> lines;

  Config config(std::string_view levels, Format format = Format::Text) {
    Config c;
    std::string error;
    c.levels = *parse_levels(levels, error);
    c.format = format;
    c.output = [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
    return c;
  }
};

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override { shutdown(); }
};

TEST_F(LogTest, ParsesLevelsPerComponent) {
  std::string error;
  const auto levels = parse_levels("warn, coap=debug,http = trace", error);
  ASSERT_TRUE(levels) << error;
  EXPECT_EQ(levels->of(Component::Server), Level::Warn);
  EXPECT_EQ(levels->of(Component::Coap), Level::Debug);
  EXPECT_EQ(levels->of(Component::Http), Level::Trace);
  EXPECT_EQ(parse_levels("coap=debug", error)->of(Component::Store), Level::Info);
  EXPECT_FALSE(parse_levels("loud", error));
  EXPECT_NE(error.find("'loud' is not a level"), std::string::npos) << error;
  EXPECT_FALSE(parse_levels("disk=info", error));
  EXPECT_NE(error.find("'disk' is not a component"), std::string::npos) << error;
}

TEST_F(LogTest, LevelsFilterPerComponent) {
  Captured out;
  ASSERT_FALSE(configure(out.config("warn,coap=debug")));
  EXPECT_FALSE(enabled(Component::Server, Level::Info));
  EXPECT_TRUE(enabled(Component::Server, Level::Warn));
  EXPECT_TRUE(enabled(Component::Coap, Level::Debug));
  EXPECT_FALSE(enabled(Component::Coap, Level::Trace));
  info(Component::Server, {"registered", "dev"}, "server info");
  warn(Component::Server, {"stopped"}, "server warn");
  debug(Component::Coap, {"message"}, "coap debug");
  trace(Component::Coap, {"message"}, "coap trace");
  error(Component::Store, {"failed"}, "store error\x1b[2J");
  shutdown();  // drains the queue
  ASSERT_EQ(out.lines.size(), 3u);
  const std::regex text(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\w+) +(\w+) +(.*)\n$)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(out.lines[0], m, text)) << out.lines[0];
  EXPECT_EQ(m[1], "warn");
  EXPECT_EQ(m[2], "server");
  EXPECT_EQ(m[3], "server warn");
  ASSERT_TRUE(std::regex_match(out.lines[1], m, text)) << out.lines[1];
  EXPECT_EQ(m[1], "debug");
  EXPECT_EQ(m[2], "coap");
  ASSERT_TRUE(std::regex_match(out.lines[2], m, text)) << out.lines[2];
  EXPECT_EQ(m[3], "store error?[2J") << "control characters are masked";
}

TEST_F(LogTest, JsonLinesParseWithEveryField) {
  Captured out;
  ASSERT_FALSE(configure(out.config("trace", Format::Json)));
  info(Component::Server, {"registered", "dev-\"1\"\n"}, "registered dev at /rd/a0");
  warn(Component::Http, {}, "no fields");
  debug(Component::Client, {"send", "caf\xc3\xa9-\xff"}, "bytes \x01 and \xe2\x82");
  shutdown();
  ASSERT_EQ(out.lines.size(), 3u);
  std::vector<boost::json::object> objects;
  for (const auto& line : out.lines) {
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line per entry";
    boost::system::error_code ec;
    const auto value = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << ec.message() << ": " << line;
    const auto& o = value.as_object();
    EXPECT_EQ(o.size(), 6u) << line;
    for (const char* key : {"timestamp", "level", "component", "endpoint", "event", "message"}) {
      ASSERT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " in " << line;
    }
    EXPECT_TRUE(std::regex_match(std::string(o.at("timestamp").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    objects.push_back(o);
  }
  EXPECT_EQ(objects[0].at("level"), "info");
  EXPECT_EQ(objects[0].at("component"), "server");
  EXPECT_EQ(objects[0].at("endpoint"), "dev-\"1\"\n");
  EXPECT_EQ(objects[0].at("event"), "registered");
  EXPECT_EQ(objects[0].at("message"), "registered dev at /rd/a0");
  EXPECT_EQ(objects[1].at("endpoint"), "");
  EXPECT_EQ(objects[1].at("event"), "");
  EXPECT_EQ(objects[2].at("endpoint"), "caf\xc3\xa9-\xef\xbf\xbd") << "not UTF-8: U+FFFD";
  EXPECT_EQ(objects[2].at("message"), "bytes \x01 and \xef\xbf\xbd\xef\xbf\xbd");
}

TEST_F(LogTest, FullQueueDropsNewLinesCountsThemAndNeverBlocks) {
  constexpr std::size_t queue = 8;
  constexpr std::size_t extra = 5;
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  std::vector<std::string> lines;
  Config c;
  c.queue = queue;
  c.output = [&](std::string_view line) {
    std::unique_lock lock(mutex);
    lines.emplace_back(line);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });  // the writer is stuck on the first line
  };
  ASSERT_FALSE(configure(c));
  info(Component::Server, {}, "line 0");
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return entered; });
  }
  // The writer holds line 0; the queue takes `queue` more, then drops each new one.
  for (std::size_t i = 1; i <= queue + extra; ++i)
    info(Component::Server, {}, "line " + std::to_string(i));
  EXPECT_EQ(stats().dropped_lines, extra);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  changed.notify_all();
  shutdown();
  ASSERT_EQ(lines.size(), 1 + queue);
  EXPECT_NE(lines[0].find(" line 0\n"), std::string::npos) << lines[0];
  for (std::size_t k = 1; k <= queue; ++k) {
    const std::string expected = " line " + std::to_string(k) + "\n";
    EXPECT_NE(lines[k].find(expected), std::string::npos) << lines[k];
  }
}

TEST_F(LogTest, ALineIsWrittenWithoutWaitingForMore) {
  // The writer sleeps when nothing comes: the next line wakes it.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> lines;
  Config c;
  c.output = [&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
    changed.notify_all();
  };
  ASSERT_FALSE(configure(c));
  for (int i = 0; i < 2; ++i) {
    info(Component::Server, {}, "line " + std::to_string(i));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30),
                                 [&] { return lines.size() == static_cast<std::size_t>(i + 1); }))
        << "line " << i << " not written while the log stays open";
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer goes to sleep
  }
}

TEST_F(LogTest, FileRotatesAtTheSizeSet) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("drover-log-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Config c;
  c.file = (dir / "drover.log").string();
  c.file_size = 1000;
  c.file_count = 2;
  ASSERT_FALSE(configure(c));
  for (int i = 0; i < 200; ++i)
    info(Component::Server, {"tick"}, "line " + std::to_string(i) + " of the rotation test");
  shutdown();
  std::vector<std::uintmax_t> sizes;
  for (const char* name : {"drover.log", "drover.1.log", "drover.2.log"}) {
    ASSERT_TRUE(std::filesystem::exists(dir / name)) << name;
    sizes.push_back(std::filesystem::file_size(dir / name));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "drover.3.log")) << "file_count older files only";
  for (const auto size : sizes) EXPECT_LE(size, 1000u);
  // Rotated when the next line would not fit: the older files are full up to a line (< 80 B).
  EXPECT_GT(sizes[1], 1000u - 80);
  EXPECT_GT(sizes[2], 1000u - 80);
  std::ifstream newest(dir / "drover.log");
  std::string last, line;
  while (std::getline(newest, line)) last = line;
  EXPECT_NE(last.find("line 199 of the rotation test"), std::string::npos) << last;
  std::filesystem::remove_all(dir);
}

TEST_F(LogTest, RefusesAFileItCannotOpen) {
  Config c;
  c.file = "/dev/null/drover.log";  // under a file: no folder can be made
  const auto why = configure(c);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("drover.log"), std::string::npos) << *why;
}

}  // namespace
}  // namespace drover::log
