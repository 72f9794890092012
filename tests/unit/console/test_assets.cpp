// The console's files as built into the program: the page, its modules and the plotting library
// are all there, each with a content type, an ETag and (where it pays) a gzip form; and every
// file the page refers to (index.html's src and href, the modules' imports) is one of them.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "drover/console/assets.hpp"

namespace drover::console {
namespace {

std::string text_of(const http::Asset& a) {
  return {a.identity.begin(), a.identity.end()};
}

// "/js/app.js" + "./api.js" -> "/js/api.js".
std::string resolve(const std::string& from, const std::string& ref) {
  if (ref.starts_with("/")) return ref;
  std::string dir = from.substr(0, from.rfind('/') + 1);
  std::string rest = ref.starts_with("./") ? ref.substr(2) : ref;
  while (rest.starts_with("../")) {
    dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
    rest = rest.substr(3);
  }
  return dir + rest;
}

TEST(ConsoleAssets, ThePageItsModulesAndTheLibraryAreBuiltIn) {
  const http::AssetTable table(assets());
  for (const auto* path :
       {"/index.html", "/js/app.js", "/js/api.js", "/js/fleet.js", "/js/device.js", "/js/models.js",
        "/js/server.js", "/css/console.css", "/vendor/uPlot.esm.js", "/vendor/uPlot.min.css"})
    EXPECT_NE(table.find(path), nullptr) << path;
  EXPECT_EQ(table.find("/"), table.find("/index.html"));
  std::set<std::string_view> tags;
  for (const auto& a : assets()) {
    EXPECT_FALSE(a.identity.empty()) << a.path;
    EXPECT_FALSE(a.content_type.empty()) << a.path;
    EXPECT_TRUE(a.etag.size() > 2 && a.etag.front() == '"' && a.etag.back() == '"') << a.path;
    EXPECT_TRUE(tags.insert(a.etag).second) << "two files with the ETag " << a.etag;
    if (!a.gzip.empty()) {
      ASSERT_GE(a.gzip.size(), 10u);
      EXPECT_EQ(a.gzip[0], 0x1f) << a.path;
      EXPECT_EQ(a.gzip[1], 0x8b) << a.path;
      EXPECT_EQ(a.gzip[4] | a.gzip[5] | a.gzip[6] | a.gzip[7], 0)
          << a.path << ": a time in the gzip header";
      EXPECT_LT(a.gzip.size(), a.identity.size()) << a.path;
    }
  }
  EXPECT_FALSE(table.find("/vendor/uPlot.esm.js")->gzip.empty()) << "the library is compressed";
  EXPECT_EQ(table.find("/js/app.js")->content_type, "text/javascript; charset=utf-8");
}

TEST(ConsoleAssets, EveryFileThePageRefersToIsBuiltIn) {
  const http::AssetTable table(assets());
  const std::regex html_ref(R"re((?:src|href)="(/[^"#?]*)")re");
  const std::regex js_import(R"re((?:from\s+|import\()'(\.{1,2}/[^']+|/[^']+)')re");
  std::size_t refs = 0;
  for (const auto& a : assets()) {
    const std::string text = text_of(a);
    const auto& pattern = a.path.ends_with(".html") ? html_ref : js_import;
    if (!a.path.ends_with(".html") && !a.path.starts_with("/js/")) continue;
    for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) {
      const auto target = resolve(std::string(a.path), (*it)[1]);
      EXPECT_NE(table.find(target), nullptr) << a.path << " refers to " << target;
      ++refs;
    }
  }
  EXPECT_GT(refs, 15u);
}

}  // namespace
}  // namespace drover::console
